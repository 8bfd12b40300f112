package nci.gpt2;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import nci.gpt2.io.ModelFileException;

/**
 * Reads a HuggingFace {@code config.json} into a {@link Gpt2Config}.
 *
 * <p>Fields: {@code n_layer}, {@code n_head}, {@code n_embd}, {@code vocab_size} (required);
 * {@code n_positions} (required, or the legacy {@code n_ctx} when it is absent); {@code n_inner}
 * (null or absent → 4·n_embd); {@code layer_norm_epsilon} (absent → 1e-5, HF's default);
 * {@code activation_function} (absent → gelu_new, HF's default); {@code tie_word_embeddings} (absent → true, HF's
 * default; see {@link Parsed}).
 *
 * <p>Flags that would change the math are rejected rather than ignored: {@code scale_attn_weights: false},
 * {@code scale_attn_by_inverse_layer_idx: true}, {@code add_cross_attention: true}, and a {@code model_type} other
 * than gpt2. {@code reorder_and_upcast_attn: true} is accepted: it only makes HF compute attention scores in
 * float32, which this float32 engine does anyway. Dropout and the other training fields are ignored.
 * Every problem is a {@link ModelFileException} naming the file and the field.
 */
public final class ConfigJson {
    private ConfigJson() {}

    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * A config.json's model shape, and whether it lets the LM head be tied to {@code wte}. With
     * {@code tie_word_embeddings: false} the checkpoint must carry its own {@code lm_head.weight}: HuggingFace would
     * start a missing one from random values, so a head tied to wte would give other logits.
     */
    public record Parsed(Gpt2Config config, boolean tieWordEmbeddings) {}

    public static Gpt2Config read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file);
    }

    /** {@link #read}, with the fields that are not part of {@link Gpt2Config}. */
    public static Parsed readAll(Path file) throws IOException {
        return parseAll(Files.readAllBytes(file), file);
    }

    /** Parses config bytes; {@code file} is only used in error messages. */
    public static Gpt2Config parse(byte[] json, Path file) throws ModelFileException {
        return parseAll(json, file).config();
    }

    /** {@link #parse}, with the fields that are not part of {@link Gpt2Config}. */
    public static Parsed parseAll(byte[] json, Path file) throws ModelFileException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new ModelFileException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFileException(file, "unreadable: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFileException(file, "must be a JSON object");

        JsonNode type = root.get("model_type");
        if (type != null && !(type.isTextual() && type.textValue().equals("gpt2")))
            throw new ModelFileException(file, "field 'model_type' is " + type + "; only \"gpt2\" is supported");
        rejectFlag(file, root, "scale_attn_weights", false,
                "attention scores must be scaled by 1/sqrt(head_dim), as GPT-2 does");
        rejectFlag(file, root, "scale_attn_by_inverse_layer_idx", true,
                "per-layer 1/(layer+1) attention scaling is not implemented");
        rejectFlag(file, root, "add_cross_attention", true, "cross-attention (encoder-decoder use) is not implemented");

        int nLayer = requiredInt(file, root, "n_layer");
        int nHead = requiredInt(file, root, "n_head");
        int nEmbd = requiredInt(file, root, "n_embd");
        int vocab = requiredInt(file, root, "vocab_size");
        int nPositions;
        if (present(root, "n_positions")) nPositions = requiredInt(file, root, "n_positions");
        else if (present(root, "n_ctx")) nPositions = requiredInt(file, root, "n_ctx");
        else throw new ModelFileException(file, "field 'n_positions' (or legacy 'n_ctx') is missing");
        if (nEmbd > 0 && nHead > 0 && nEmbd % nHead != 0)
            throw new ModelFileException(file, "field 'n_embd' (" + nEmbd + ") is not a multiple of 'n_head' (" + nHead + ")");
        int nInner = present(root, "n_inner") ? requiredInt(file, root, "n_inner") : Math.multiplyExact(4, nEmbd);

        float eps = 1e-5f;
        if (present(root, "layer_norm_epsilon")) {
            JsonNode e = root.get("layer_norm_epsilon");
            if (!e.isNumber()) throw new ModelFileException(file, "field 'layer_norm_epsilon' must be a number, got " + e);
            eps = (float) e.doubleValue();
        }
        Activation act = Activation.GELU_NEW;
        if (present(root, "activation_function")) {
            JsonNode a = root.get("activation_function");
            if (!a.isTextual()) throw new ModelFileException(file, "field 'activation_function' must be a string, got " + a);
            try {
                act = Activation.fromConfig(a.textValue());
            } catch (IllegalArgumentException ex) {
                throw new ModelFileException(file, "field 'activation_function': " + ex.getMessage());
            }
        }
        boolean tie = true;
        if (present(root, "tie_word_embeddings")) {
            JsonNode t = root.get("tie_word_embeddings");
            if (!t.isBoolean()) throw new ModelFileException(file, "field 'tie_word_embeddings' must be true or false, got " + t);
            tie = t.booleanValue();
        }
        try {
            return new Parsed(new Gpt2Config(nLayer, nHead, nEmbd, nPositions, vocab, nInner, eps, act), tie);
        } catch (IllegalArgumentException ex) {
            throw new ModelFileException(file, ex.getMessage());
        }
    }

    private static boolean present(JsonNode root, String field) {
        return root.has(field) && !root.get(field).isNull();
    }

    private static int requiredInt(Path file, JsonNode root, String field) throws ModelFileException {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) throw new ModelFileException(file, "field '" + field + "' is missing");
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new ModelFileException(file, "field '" + field + "' must be an integer, got " + v);
        int x = v.intValue();
        if (x < 1) throw new ModelFileException(file, "field '" + field + "' must be >= 1, got " + x);
        return x;
    }

    private static void rejectFlag(Path file, JsonNode root, String field, boolean rejected, String why) throws ModelFileException {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return;
        if (!v.isBoolean()) throw new ModelFileException(file, "field '" + field + "' must be true or false, got " + v);
        if (v.booleanValue() == rejected)
            throw new ModelFileException(file, "field '" + field + "' is " + rejected + ", which is not supported: " + why);
    }
}
