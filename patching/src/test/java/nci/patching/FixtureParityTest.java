package nci.patching;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import nci.gpt2.Gpt2Model;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Acceptance: every public patching case of tiny-a, tiny-b, tiny-g reproduces the seed's final hidden
 * states (cache on and off), its provenance string and its cache entry count; cases marked
 * {@code equals_plain_forward_of_input} equal the plain forward bit for bit.
 */
class FixtureParityTest {

    static final List<String> MODELS = List.of("tiny-a", "tiny-b", "tiny-g");

    @TestFactory
    Stream<DynamicTest> cases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : MODELS) {
            JsonNode doc = Fixtures.json(Fixtures.dir().resolve("cases/" + name + ".cases.json"));
            for (JsonNode c : doc.get("cases")) {
                tests.add(DynamicTest.dynamicTest(name + "/" + c.get("id").asText(), () -> runCase(name, c)));
            }
        }
        return tests.stream();
    }

    private static final Map<String, Gpt2Model> MODEL_CACHE = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, Map<String, float[]>> TENSOR_CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private static final Map<String, ModelDigest> DIGESTS = new java.util.concurrent.ConcurrentHashMap<>();

    static Gpt2Model model(String name) { return MODEL_CACHE.computeIfAbsent(name, Fixtures::model); }

    static ModelDigest digest(String name) { return DIGESTS.computeIfAbsent(name, n -> ModelDigest.of(model(n))); }

    static Map<String, float[]> caseTensors(String name) {
        return TENSOR_CACHE.computeIfAbsent(name, n -> Fixtures.tensors(Fixtures.dir().resolve("cases/" + n + ".cases.safetensors")));
    }

    static void runCase(String name, JsonNode c) {
        String id = name + "/" + c.get("id").asText();
        Gpt2Model model = model(name);
        List<int[]> inputs = Fixtures.inputs(c.get("inputs"));
        BranchRules branch = BranchRules.fromJson(c.get("branch"), "branch");
        WhichRules which = WhichRules.fromJson(c.get("which"), "which");
        float[] ref = caseTensors(name).get(c.get("result_tensor").asText());

        ActivationCache cache = new ActivationCache(64L << 20);
        PatchEngine on = new PatchEngine(model, digest(name), cache);
        PatchEngine off = new PatchEngine(model, on.digest(), ActivationCache.disabled());
        PatchResult cold = on.run(inputs, branch, which);
        PatchResult warm = on.run(inputs, branch, which);
        PatchResult none = off.run(inputs, branch, which);

        Fixtures.assertClose(id + " hidden (cache on)", ref, cold.hidden(), 1e-4, 1e-4);
        Fixtures.assertClose(id + " hidden (cache off)", ref, none.hidden(), 1e-4, 1e-4);
        Fixtures.assertBitwise(id + " cache off vs on", cold.hidden(), none.hidden());
        Fixtures.assertBitwise(id + " warm vs cold", cold.hidden(), warm.hidden());
        assertEquals(0, warm.stats().computed(), id + ": a warm rerun must compute nothing");

        assertEquals(c.get("path").asText(), cold.provenance().render(), id + ": provenance (path)");
        assertEquals(c.get("path_nocache").asText(), none.provenance().renderNoCache(), id + ": provenance (path_nocache)");
        int seedEntries = c.get("cache_entries").asInt();
        assertEquals(seedEntries, cold.provenance().seedCacheEntries(), id + ": seed-equivalent cache entries");
        System.out.printf("%-45s seed cache_entries=%3d  nci cache entries=%3d (values in run %d, computed %d)%n",
                id, seedEntries, cache.stats().entries(), cold.stats().values(), cold.stats().computed());

        JsonNode eq = c.get("equals_plain_forward_of_input");
        if (eq != null && !eq.isNull()) {
            int k = eq.asInt();
            float[] plain = model.forward(new int[][] {inputs.get(k)}, false, false).lastHidden();
            Fixtures.assertBitwise(id + " vs Gpt2Model.forward of input " + k, plain, cold.hidden());
            PatchResult own = off.run(inputs, Branch.NONE, Which.always(k));
            Fixtures.assertBitwise(id + " vs no-branch evaluation of input " + k, own.hidden(), cold.hidden());
        }
        for (var e : c.get("vs_plain_forward").properties()) {
            int k = Integer.parseInt(e.getKey());
            if (e.getValue().get("bitwise").asBoolean()) {
                float[] plain = model.forward(new int[][] {inputs.get(k)}, false, false).lastHidden();
                Fixtures.assertBitwise(id + " bitwise vs plain forward of input " + k + " (as in the seed)", plain, cold.hidden());
            }
        }
    }
}
