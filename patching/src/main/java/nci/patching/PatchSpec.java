package nci.patching;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import nci.gpt2.Gpt2Config;

/**
 * An experiment as the CLI's {@code patch} command reads it:
 * <pre>{@code
 * { "inputs":  ["The capital of Spain is", [464, 3139, 286, 8031, 318]],   // texts or token ids
 *   "branch":  [ {"at": "a1", "value": true}, {"at": "a1.head", "value": "positions"} ],
 *   "which":   { "rules": [ {"if_in_path": "a1.head.pos3", "input": 1} ], "default": 0 },
 *   "targets": [" Madrid", " Rome"],                                          // optional, one token each
 *   "description": "..." }                                                     // optional
 * }</pre>
 * {@link #parse} validates everything against the model <em>before</em> any computation and names the
 * field at fault: unknown fields, unknown node names or branch values, inputs of different token
 * lengths, a {@code which} input that does not exist, a layer, head or position out of range, a target given twice
 * (also as text and id).
 *
 * @param inputs    token ids of every input (equal lengths)
 * @param texts     the text of each input, or null where it was given as ids
 * @param targetIds one id per target (empty if none)
 */
public record PatchSpec(List<int[]> inputs, List<String> texts, BranchRules branch, WhichRules which,
                        List<String> targets, int[] targetIds, String description) {

    public PatchSpec {
        inputs = inputs.stream().map(int[]::clone).toList();
        texts = java.util.Collections.unmodifiableList(new ArrayList<>(texts));
        targets = java.util.Collections.unmodifiableList(new ArrayList<>(targets));
        targetIds = targetIds.clone();
    }

    @Override
    public List<int[]> inputs() { return inputs.stream().map(int[]::clone).toList(); }

    @Override
    public int[] targetIds() { return targetIds.clone(); }

    public int tokenCount() { return inputs.getFirst().length; }

    public Intervention intervention() { return new Intervention(branch, which); }

    private static final Set<String> FIELDS = Set.of("inputs", "branch", "which", "targets", "description");

    /** Text → token ids; {@code field} (e.g. {@code targets[1]}) names the text in its errors. */
    @FunctionalInterface
    public interface Encoder {
        int[] encode(String text, String field);
    }

    /**
     * Parses and validates a spec.
     * @param tokenizer text → token ids (null when the model has none: then every input and target must be ids)
     * @param config    the model the spec will run on
     */
    public static PatchSpec parse(JsonNode json, Encoder tokenizer, Gpt2Config config) {
        if (json == null || !json.isObject()) throw new IllegalArgumentException("patch spec: expected a JSON object");
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f))
                throw new IllegalArgumentException("patch spec: unknown field '" + f + "' (expected inputs, branch, which, targets, description)");
        }
        JsonNode in = json.get("inputs");
        if (in == null || !in.isArray() || in.isEmpty())
            throw new IllegalArgumentException("inputs: expected a non-empty array of texts or token-id arrays");
        List<int[]> inputs = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int k = 0; k < in.size(); k++) {
            JsonNode v = in.get(k);
            String f = "inputs[" + k + "]";
            int[] ids;
            if (v.isTextual()) {
                if (tokenizer == null) throw new IllegalArgumentException(f + ": a text input needs a tokenizer, and the model has none (give token ids)");
                ids = tokenizer.encode(v.asText(), f);
                texts.add(v.asText());
            } else if (v.isArray()) {
                ids = new int[v.size()];
                for (int t = 0; t < ids.length; t++) {
                    JsonNode id = v.get(t);
                    if (!id.isIntegralNumber() || !id.canConvertToInt())
                        throw new IllegalArgumentException(f + "[" + t + "]: expected a token id, got " + id);
                    ids[t] = id.asInt();
                }
                texts.add(null);
            } else {
                throw new IllegalArgumentException(f + ": expected a text or an array of token ids, got " + v.getNodeType());
            }
            if (ids.length == 0) throw new IllegalArgumentException(f + ": no tokens");
            for (int t = 0; t < ids.length; t++)
                if (ids[t] < 0 || ids[t] >= config.vocabSize())
                    throw new IllegalArgumentException(f + "[" + t + "]: token id " + ids[t] + " outside the vocabulary [0, " + config.vocabSize() + ")");
            if (ids.length > config.nPositions())
                throw new IllegalArgumentException(f + ": " + ids.length + " tokens, the model takes at most " + config.nPositions());
            if (k > 0 && ids.length != inputs.getFirst().length)
                throw new IllegalArgumentException(f + ": " + ids.length + " tokens, but inputs[0] has " + inputs.getFirst().length
                        + " (all inputs need the same token length)");
            inputs.add(ids);
        }
        int T = inputs.getFirst().length;

        BranchRules branch = BranchRules.fromJson(json.get("branch"), "branch");
        for (int i = 0; i < branch.rules().size(); i++) {
            BranchRules.Rule r = branch.rules().get(i);
            fits(r.at(), "branch[" + i + "].at", config, T);
            for (int j = 0; j < r.unlessInPath().size(); j++) fits(r.unlessInPath().get(j), "branch[" + i + "].unless_in_path[" + j + "]", config, T);
        }
        JsonNode w = json.get("which");
        WhichRules which = w == null ? new WhichRules(List.of(), 0) : WhichRules.fromJson(w, "which");
        if (which.defaultInput() >= inputs.size())
            throw new IllegalArgumentException("which.default: input " + which.defaultInput() + " does not exist (" + inputs.size() + " inputs)");
        for (int i = 0; i < which.rules().size(); i++) {
            WhichRules.Rule r = which.rules().get(i);
            fits(r.ifInPath(), "which.rules[" + i + "].if_in_path", config, T);
            if (r.input() >= inputs.size())
                throw new IllegalArgumentException("which.rules[" + i + "].input: input " + r.input() + " does not exist (" + inputs.size() + " inputs)");
        }

        List<String> targets = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        JsonNode tg = json.get("targets");
        if (tg != null && !tg.isNull()) {
            if (!tg.isArray()) throw new IllegalArgumentException("targets: expected an array of token strings");
            for (int i = 0; i < tg.size(); i++) {
                JsonNode v = tg.get(i);
                String f = "targets[" + i + "]";
                int id;
                if (v.isTextual()) {
                    if (tokenizer == null) throw new IllegalArgumentException(f + ": a text target needs a tokenizer, and the model has none (give a token id)");
                    int[] t = tokenizer.encode(v.asText(), f);
                    if (t.length != 1)
                        throw new IllegalArgumentException(f + ": '" + v.asText() + "' is " + t.length + " tokens; a target must be exactly one token");
                    id = t[0];
                    targets.add(v.asText());
                } else if (v.isIntegralNumber() && v.canConvertToInt()) {
                    id = v.asInt();
                    targets.add(null);
                } else {
                    throw new IllegalArgumentException(f + ": expected a token string or id, got " + v);
                }
                if (id < 0 || id >= config.vocabSize())
                    throw new IllegalArgumentException(f + ": token id " + id + " outside the vocabulary [0, " + config.vocabSize() + ")");
                if (ids.contains(id))
                    throw new IllegalArgumentException(f + ": the same token as targets[" + ids.indexOf(id) + "] (id " + id
                            + "); each target must be a different token");
                ids.add(id);
            }
        }
        JsonNode d = json.get("description");
        return new PatchSpec(inputs, texts, branch, which, targets, ids.stream().mapToInt(Integer::intValue).toArray(),
                d == null || d.isNull() ? null : d.asText());
    }

    private static void fits(Node n, String field, Gpt2Config c, int T) {
        String why = n.misfit(c.nLayer(), c.nHead(), T);
        if (why != null) throw new IllegalArgumentException(field + ": " + why);
    }
}
