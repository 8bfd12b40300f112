package nci.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import nci.gpt2.io.SafeTensors;
import nci.gpt2.io.TensorInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The acceptance test: every model under fixtures/models, loaded with {@link Gpt2Loader}, run on every prompt of its
 * reference.json and on the batch, compared tensor by tensor with HuggingFace's outputs in reference.safetensors.
 * Per-block intermediates (attn_output, resid_mid, mlp_output, block_output) come from composing the model's
 * building blocks. The largest abs error per tensor kind is printed after the run.
 */
class Gpt2ParityTest {

    /** kind → largest abs error over all models; model → kind → largest abs error. */
    private static final Map<String, Double> MAX_BY_KIND = new ConcurrentHashMap<>();
    private static final Map<String, Map<String, Double>> MAX_BY_MODEL = new ConcurrentHashMap<>();

    @TestFactory
    Stream<DynamicNode> everyModelMatchesHuggingFace() throws IOException {
        List<Path> models;
        try (Stream<Path> s = Files.list(Fixtures.root().resolve("models"))) {
            models = s.filter(p -> Files.isRegularFile(p.resolve("reference.safetensors"))).sorted().toList();
        }
        assertFalse(models.isEmpty(), "no models with reference.safetensors under " + Fixtures.root().resolve("models"));
        List<DynamicNode> out = new ArrayList<>();
        for (Path m : models) out.add(DynamicContainer.dynamicContainer(m.getFileName().toString(), modelTests(m)));
        return out.stream();
    }

    private record Ref(long[] shape, float[] values, long[] longs) {}

    private static Stream<DynamicNode> modelTests(Path dir) throws IOException {
        String model = dir.getFileName().toString();
        JsonNode refJson = Fixtures.json(dir.resolve("reference.json"));
        Map<String, Ref> ref = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(dir.resolve("reference.safetensors"))) {
            for (String n : st.names()) {
                TensorInfo t = st.info(n);
                ref.put(n, t.dtype().readableAsFloat() ? new Ref(t.shape(), st.floats(n), null) : new Ref(t.shape(), null, st.readLongs(n)));
            }
        }
        Lazy<Map<String, float[]>> computed = new Lazy<>(() -> javaTensors(dir, refJson, ref.keySet()));
        List<DynamicNode> tests = new ArrayList<>();

        tests.add(DynamicTest.dynamicTest("reference.json lists exactly the tensors of reference.safetensors", () -> {
            TreeSet<String> listed = new TreeSet<>();
            for (JsonNode p : refJson.get("prompts")) p.get("tensors").forEach(n -> listed.add(n.textValue()));
            refJson.get("batch").get("tensors").forEach(n -> listed.add(n.textValue()));
            assertEquals(new TreeSet<>(ref.keySet()), listed);
        }));
        for (Map.Entry<String, Ref> e : ref.entrySet()) {
            String name = e.getKey();
            Ref r = e.getValue();
            if (name.endsWith("input_ids")) {
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    int[][] ids = idsFor(refJson, name);
                    assertArrayEquals(new long[] {ids.length, ids[0].length}, r.shape(), name + " shape");
                    long[] flat = new long[ids.length * ids[0].length];
                    for (int b = 0; b < ids.length; b++) for (int t = 0; t < ids[b].length; t++) flat[b * ids[b].length + t] = ids[b][t];
                    assertArrayEquals(flat, r.longs(), name + ": reference.safetensors and reference.json disagree");
                }));
                continue;
            }
            tests.add(DynamicTest.dynamicTest(name, () -> {
                float[] j = computed.get().get(name);
                if (j == null) fail(model + "/" + name + ": no Java counterpart computed for this reference tensor");
                double err = TensorAssert.assertClose(model + "/" + name + " " + Arrays.toString(r.shape()), r.values(), j);
                String kind = kind(name);
                MAX_BY_KIND.merge(kind, err, Math::max);
                MAX_BY_MODEL.computeIfAbsent(model, k -> new ConcurrentHashMap<>()).merge(kind, err, Math::max);
            }));
        }
        return tests.stream();
    }

    /** "p3.attentions.1" → "attentions", "batch.logits_last" → "batch.logits_last". */
    static String kind(String name) {
        String k = name.startsWith("batch.") ? name : name.substring(name.indexOf('.') + 1);
        return k.replaceAll("\\.\\d+$", "");
    }

    private static int[][] idsFor(JsonNode refJson, String name) {
        if (name.startsWith("batch.")) {
            JsonNode b = refJson.get("batch").get("input_ids");
            int[][] out = new int[b.size()][];
            for (int i = 0; i < out.length; i++) out[i] = Fixtures.ints(b.get(i));
            return out;
        }
        int i = Integer.parseInt(name.substring(1, name.indexOf('.')));
        for (JsonNode p : refJson.get("prompts"))
            if (p.get("index").intValue() == i) return new int[][] {Fixtures.ints(p.get("input_ids"))};
        throw new AssertionError("prompt " + i + " not in reference.json");
    }

    /** Every Java tensor named like the reference, for this model. */
    private static Map<String, float[]> javaTensors(Path dir, JsonNode refJson, Set<String> refNames) throws Exception {
        Map<String, float[]> out = new TreeMap<>();
        try (Gpt2Model model = Gpt2Loader.load(dir)) {
            int e = model.config().nEmbd(), v = model.config().vocabSize();
            for (JsonNode p : refJson.get("prompts")) {
                String pre = "p" + p.get("index").intValue() + ".";
                int[] ids = Fixtures.ints(p.get("input_ids"));
                int T = ids.length;
                boolean allLogits = refNames.contains(pre + "logits");
                Gpt2Model.Forward f = model.forward(new int[][] {ids}, true, allLogits);
                out.put(pre + "last_hidden_state", f.lastHidden());
                out.put(pre + "logits_last", model.logits(f.lastHidden(), (T - 1) * e, 1));
                if (allLogits) out.put(pre + "logits", f.logits());
                for (int k = 0; k < f.hiddenStates().size(); k++) out.put(pre + "hidden_states." + k, f.hiddenStates().get(k));
                for (int l = 0; l < f.attentions().size(); l++) out.put(pre + "attentions." + l, f.attentions().get(l));
                // The per-block intermediates, from the building blocks the patching engine composes.
                float[] x = model.embed(ids);                                   // [T, E]
                for (int l = 0; l < model.config().nLayer(); l++) {
                    float[] attn = model.attention(l, x, T, null);              // [T, E]
                    float[] mid = Gpt2Model.add(x, attn);
                    float[] mlp = model.mlp(l, mid, T);
                    x = Gpt2Model.add(mid, mlp);
                    out.put(pre + "attn_output." + l, attn);
                    out.put(pre + "resid_mid." + l, mid);
                    out.put(pre + "mlp_output." + l, mlp);
                    out.put(pre + "block_output." + l, x);
                }
            }
            JsonNode b = refJson.get("batch");
            if (b != null) {
                int[][] ids = idsFor(refJson, "batch.input_ids");
                int T = ids[0].length;
                Gpt2Model.Forward f = model.forward(ids, false, false);
                out.put("batch.last_hidden_state", f.lastHidden());
                float[] last = new float[ids.length * v];                      // [B, V]
                for (int i = 0; i < ids.length; i++)
                    System.arraycopy(model.logits(f.lastHidden(), (i * T + T - 1) * e, 1), 0, last, i * v, v);
                out.put("batch.logits_last", last);
            }
        }
        return out;
    }

    @AfterAll
    static void printMaxErrors() {
        StringBuilder sb = new StringBuilder("\n=== GPT-2 parity vs HuggingFace: max |java - ref| per tensor kind ===\n");
        new TreeMap<>(MAX_BY_KIND).forEach((k, err) -> sb.append(String.format("  %-24s %.3e%n", k, err)));
        sb.append("--- per model ---\n");
        new TreeMap<>(MAX_BY_MODEL).forEach((m, kinds) -> {
            sb.append("  ").append(m).append(':');
            new TreeMap<>(kinds).forEach((k, err) -> sb.append(String.format(" %s=%.2e", k, err)));
            sb.append('\n');
        });
        System.out.print(sb);
    }

    /** Computed once on first use; a failure is rethrown to every test that asks. */
    private static final class Lazy<T> {
        interface Source<T> { T get() throws Exception; }

        private final Source<T> source;
        private T value;
        private Exception failure;
        private boolean done;

        Lazy(Source<T> source) { this.source = source; }

        synchronized T get() throws Exception {
            if (!done) {
                done = true;
                try { value = source.get(); } catch (Exception ex) { failure = ex; }
            }
            if (failure != null) throw failure;
            return value;
        }
    }
}
