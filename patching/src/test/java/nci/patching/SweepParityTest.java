package nci.patching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import nci.gpt2.Gpt2Model;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Acceptance: the seed's intervene_node_and_pos sweep, per run, on every public model. */
class SweepParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-a", "tiny-b", "tiny-g"})
    void nodeAndPositionSweepMatchesSeed(String name) {
        JsonNode sweep = Fixtures.json(Fixtures.dir().resolve("cases/" + name + ".cases.json")).get("sweep");
        Gpt2Model model = FixtureParityTest.model(name);
        List<int[]> inputs = Fixtures.inputs(sweep.get("inputs"));
        int[] targets = new int[sweep.get("target_ids").size()];
        for (int i = 0; i < targets.length; i++) targets[i] = sweep.get("target_ids").get(i).asInt();
        float[] hiddenRef = FixtureParityTest.caseTensors(name).get(sweep.get("hidden_states_tensor").asText());
        int T = inputs.getFirst().length, E = model.config().nEmbd();

        PatchEngine engine = new PatchEngine(model, FixtureParityTest.digest(name), new ActivationCache(64L << 20));
        SweepResult res = Sweeps.nodeAndPosition(engine, inputs.get(0), inputs.get(1), targets, true);
        PatchEngine off = new PatchEngine(model, engine.digest(), ActivationCache.disabled());
        SweepResult resOff = Sweeps.nodeAndPosition(off, inputs.get(0), inputs.get(1), targets, true);

        JsonNode runs = sweep.get("runs");
        assertEquals(runs.size(), res.runs().size(), name + ": number of sweep runs");
        int seedTotal = 0;
        for (int i = 0; i < runs.size(); i++) {
            JsonNode ref = runs.get(i);
            SweepResult.Run run = res.runs().get(i);
            String id = name + " sweep run " + i + " (" + run.node() + " @ " + run.position() + ")";
            assertEquals(ref.get("node").asText(), run.node(), id + ": node");
            assertEquals(ref.get("pos").asText(), run.position(), id + ": position");
            int row = ref.get("row").asInt();
            Fixtures.assertClose(id + " hidden", Arrays.copyOfRange(hiddenRef, row * T * E, (row + 1) * T * E), run.hidden(), 1e-4, 1e-4);
            Fixtures.assertBitwise(id + " cache on vs off", resOff.runs().get(i).hidden(), run.hidden());
            for (int k = 0; k < targets.length; k++) {
                double p = ref.get("probs").get(k).asDouble(), lg = ref.get("logits").get(k).asDouble();
                assertTrue(Math.abs(run.probs()[k] - p) <= 1e-3 * Math.abs(p),
                        id + ": prob of " + targets[k] + " = " + run.probs()[k] + ", seed " + p);
                assertTrue(Math.abs(run.logits()[k] - lg) <= 1e-4 + 1e-4 * Math.abs(lg),
                        id + ": logit of " + targets[k] + " = " + run.logits()[k] + ", seed " + lg);
            }
            assertEquals(ref.get("path").asText(), run.path(), id + ": path");
            assertEquals(ref.get("cache_entries").asInt(), run.seedCacheEntries(), id + ": seed-equivalent cache entries");
            seedTotal += ref.get("cache_entries").asInt();
        }
        // The seed's data frame, row for row.
        JsonNode df = sweep.get("seed_dataframe");
        List<SweepResult.Row> rows = res.rows();
        assertEquals(df.size(), rows.size(), name + ": data frame rows");
        for (int i = 0; i < df.size(); i++) {
            assertEquals(df.get(i).get("layer").asText(), rows.get(i).node(), name + " data frame row " + i + ": node");
            double p = df.get(i).get("prob").asDouble();
            assertTrue(Math.abs(rows.get(i).prob() - p) <= 1e-3 * Math.abs(p), name + " data frame row " + i + ": prob");
        }
        long computedRows = res.runs().stream().mapToLong(r -> r.stats().rowsComputed()).sum();
        long reusedRows = res.runs().stream().mapToLong(r -> r.stats().rowsReused()).sum();
        long offRows = resOff.runs().stream().mapToLong(r -> r.stats().rowsComputed()).sum();
        System.out.printf("%s sweep: %d runs; seed cache entries summed over runs (cache cleared per run) = %d; "
                        + "nci shared cache: %s; rows computed %d (cache off: %d), rows reused %d%n",
                name, res.runs().size(), seedTotal, res.cacheStats(), computedRows, offRows, reusedRows);
        assertTrue(computedRows < offRows, name + ": the shared cache must save work over the sweep");
    }
}
