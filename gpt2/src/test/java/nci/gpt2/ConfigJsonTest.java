package nci.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import nci.gpt2.io.ModelFileException;
import org.junit.jupiter.api.Test;

class ConfigJsonTest {

    private static final Path FILE = Path.of("some/model/config.json");

    private static ObjectNode tinyA() throws IOException {
        return (ObjectNode) Fixtures.json(Fixtures.model("tiny-a").resolve("config.json"));
    }

    private static Gpt2Config parse(ObjectNode n) throws IOException {
        return ConfigJson.parse(Fixtures.JSON.writeValueAsBytes(n), FILE);
    }

    private static void fails(ObjectNode n, String... fragments) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> parse(n));
        assertTrue(e.getMessage().startsWith(FILE.toString()), "message must name the file: " + e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
    }

    @Test
    void readsTheFixtureConfigs() throws IOException {
        assertEquals(new Gpt2Config(2, 4, 32, 64, 50257, 128, 1e-5f, Activation.GELU_NEW),
                ConfigJson.read(Fixtures.model("tiny-a").resolve("config.json")));
        assertEquals(new Gpt2Config(3, 2, 48, 64, 50257, 192, 1e-5f, Activation.GELU_NEW),
                ConfigJson.read(Fixtures.model("tiny-b").resolve("config.json")));
        assertEquals(new Gpt2Config(2, 2, 16, 64, 50257, 64, 1e-5f, Activation.GELU),
                ConfigJson.read(Fixtures.model("tiny-g").resolve("config.json")));
    }

    @Test
    void defaultsAndFallbacks() throws IOException {
        ObjectNode n = tinyA();
        n.remove("n_positions");
        n.put("n_ctx", 128);
        n.put("n_inner", 100);
        n.remove("layer_norm_epsilon");
        n.remove("activation_function");
        Gpt2Config c = parse(n);
        assertEquals(128, c.nPositions(), "n_ctx is the fallback for n_positions");
        assertEquals(100, c.nInner());
        assertEquals(1e-5f, c.layerNormEpsilon());
        assertEquals(Activation.GELU_NEW, c.activation());
        n.put("n_positions", 64);
        assertEquals(64, parse(n).nPositions(), "n_positions wins over n_ctx");
        n.remove("n_inner");
        assertEquals(128, parse(n).nInner(), "absent n_inner → 4·n_embd");
        n.put("reorder_and_upcast_attn", true);
        parse(n);                                     // only an upcast: accepted
        n.put("activation_function", "gelu_pytorch_tanh");
        assertEquals(Activation.GELU_NEW, parse(n).activation());
        n.put("activation_function", "gelu_fast");
        assertEquals(Activation.GELU_NEW, parse(n).activation(), "gelu_fast: the same tanh form, terms reordered");
    }

    @Test
    void tieWordEmbeddings() throws IOException {
        ObjectNode n = tinyA();
        assertTrue(ConfigJson.parseAll(Fixtures.JSON.writeValueAsBytes(n), FILE).tieWordEmbeddings(), "absent: tied (HF's default)");
        n.put("tie_word_embeddings", false);
        ConfigJson.Parsed p = ConfigJson.parseAll(Fixtures.JSON.writeValueAsBytes(n), FILE);
        assertEquals(false, p.tieWordEmbeddings());
        assertEquals(parse(tinyA()), p.config(), "the shape is unchanged");
        n.put("tie_word_embeddings", "no");
        fails(n, "'tie_word_embeddings'", "true or false");
    }

    @Test
    void missingAndMistypedFields() throws IOException {
        ObjectNode n = tinyA();
        n.remove("n_head");
        fails(n, "'n_head'", "missing");
        n = tinyA();
        n.put("n_embd", "32");
        fails(n, "'n_embd'", "integer");
        n = tinyA();
        n.put("n_layer", 0);
        fails(n, "'n_layer'", ">= 1");
        n = tinyA();
        n.remove("n_positions");
        fails(n, "'n_positions'", "n_ctx");
        n = tinyA();
        n.put("n_head", 5);
        fails(n, "'n_embd' (32)", "'n_head' (5)");
        n = tinyA();
        n.put("layer_norm_epsilon", "small");
        fails(n, "'layer_norm_epsilon'");
        n = tinyA();
        n.put("activation_function", "relu");
        fails(n, "'activation_function'", "relu");
        ModelFileException e = assertThrows(ModelFileException.class, () -> ConfigJson.parse("{\"n_layer\": ".getBytes(), FILE));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        assertThrows(ModelFileException.class, () -> ConfigJson.parse("[]".getBytes(), FILE));
    }

    @Test
    void rejectsFlagsThatChangeTheMath() throws IOException {
        ObjectNode n = tinyA();
        n.put("scale_attn_by_inverse_layer_idx", true);
        fails(n, "'scale_attn_by_inverse_layer_idx'");
        n = tinyA();
        n.put("scale_attn_weights", false);
        fails(n, "'scale_attn_weights'");
        n = tinyA();
        n.put("add_cross_attention", true);
        fails(n, "'add_cross_attention'");
        n = tinyA();
        n.put("model_type", "gpt_neo");
        fails(n, "'model_type'", "gpt_neo");
        n = tinyA();
        n.put("scale_attn_weights", "yes");
        fails(n, "'scale_attn_weights'", "true or false");
    }
}
