package nci.patching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import nci.gpt2.Activation;
import nci.gpt2.Gpt2Model;
import nci.gpt2.PackedWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batched evaluation ({@link PatchEngine#runAll}, the sweeps) equals evaluating every experiment alone with the
 * cache off, bit for bit: hidden states, logits, attention patterns, and the sweeps' probabilities and logits.
 */
class BatchTest {

    static final List<int[]> INPUTS = EngineTest.INPUTS;
    static final int T = EngineTest.T;

    /** The sweep's experiments one at a time, cache off, each last row's logits alone: the unoptimised path. */
    record Reference(List<float[]> hidden, List<double[]> probs, List<double[]> logits) {}

    static Reference sequential(Gpt2Model model, ModelDigest digest, List<int[]> inputs, List<Intervention> ivs, int[] targets) {
        PatchEngine off = new PatchEngine(model, digest, ActivationCache.disabled());
        int V = model.config().vocabSize(), E = model.config().nEmbd();
        Reference ref = new Reference(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (Intervention iv : ivs) {
            PatchResult r = off.run(inputs, iv, RunOptions.DEFAULT);
            float[] lg = model.logits(r.hidden(), (r.T() - 1) * E, 1);
            ref.hidden().add(r.hidden());
            ref.probs().add(Metrics.probabilities(lg, 0, V, targets));
            ref.logits().add(Metrics.logits(lg, 0, V, targets));
        }
        return ref;
    }

    /** Sweeps.nodeAndPosition's experiments, in its order. */
    static List<Intervention> nodeAndPosition(int nLayer, int T) {
        List<Intervention> ivs = new ArrayList<>();
        ivs.add(Interventions.plain(0));
        for (int l = nLayer - 1; l >= 0; l--)
            for (Node node : List.of(new Node.Mlp(l), new Node.Attn(l)))
                for (int p = 0; p < T; p++) ivs.add(Interventions.nodeAtPosition(node, p, 1, 0));
        return ivs;
    }

    static List<Intervention> heads(int nLayer, int nHead) {
        List<Intervention> ivs = new ArrayList<>();
        for (int l = 0; l < nLayer; l++)
            for (int h = 0; h < nHead; h++) ivs.add(Interventions.head(l, h, 1, 0));
        return ivs;
    }

    static void assertSweepEquals(String id, Reference ref, SweepResult got) {
        assertEquals(ref.hidden().size(), got.runs().size(), id + ": runs");
        for (int i = 0; i < ref.hidden().size(); i++) {
            SweepResult.Run r = got.runs().get(i);
            String run = id + " run " + i + " (" + r.node() + " @ " + r.position() + ")";
            Fixtures.assertBitwise(run + " hidden", ref.hidden().get(i), r.hidden());
            assertArrayEquals(ref.probs().get(i), r.probs(), run + ": probabilities not bit-identical");
            assertArrayEquals(ref.logits().get(i), r.logits(), run + ": logits not bit-identical");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-a", "tiny-b", "tiny-g"})
    void batchedSweepsEqualTheSequentialPathOnTheFixtureModels(String name) {
        JsonNode sweep = Fixtures.json(Fixtures.dir().resolve("cases/" + name + ".cases.json")).get("sweep");
        Gpt2Model model = FixtureParityTest.model(name);
        ModelDigest digest = FixtureParityTest.digest(name);
        List<int[]> inputs = Fixtures.inputs(sweep.get("inputs"));
        int[] targets = new int[sweep.get("target_ids").size()];
        for (int i = 0; i < targets.length; i++) targets[i] = sweep.get("target_ids").get(i).asInt();
        int L = model.config().nLayer(), H = model.config().nHead(), Tn = inputs.getFirst().length;

        PatchEngine on = new PatchEngine(model, digest, new ActivationCache(64L << 20));
        assertSweepEquals(name + " node x position", sequential(model, digest, inputs, nodeAndPosition(L, Tn), targets),
                Sweeps.nodeAndPosition(on, inputs.get(0), inputs.get(1), targets, true));
        assertSweepEquals(name + " heads (warm cache)", sequential(model, digest, inputs, heads(L, H), targets),
                Sweeps.heads(on, inputs.get(0), inputs.get(1), targets, true));
    }

    /** The stages' products over packed weights (the default) and over the mapped matrices give the same bits. */
    @Test
    void packedWeightsGiveTheSameBitsAsTheMatrices() {
        Gpt2Model model = Fixtures.random(12, 3, 4, 64, 500, Activation.GELU_NEW);
        ModelDigest digest = ModelDigest.of(model);
        int[] clean = {17, 230, 5, 99, 412, 7}, cf = clean.clone();
        cf[2] = 256;
        int[] targets = {301, 99};
        boolean was = RowKernels.packWeights;
        try {
            RowKernels.packWeights = false;
            assertTrue(RowKernels.packed(model, 0) == null, "packing off");
            Reference unpacked = sequential(model, digest, List.of(clean, cf), nodeAndPosition(3, clean.length), targets);
            RowKernels.packWeights = true;
            for (int l = 0; l < 3; l++) {                   // packed from a layer's second pass (fourth request) on
                for (int r = 0; r < Gpt2Model.PACK_AFTER_REQUESTS; r++)
                    assertTrue(RowKernels.packed(model, l) == null, "layer " + l + " request " + r + ": not packed yet");
                assertTrue(RowKernels.packed(model, l) != null, "layer " + l + ": packed on reuse");
            }
            assertSweepEquals("packed weights vs matrices", unpacked,
                    Sweeps.nodeAndPosition(new PatchEngine(model, digest, new ActivationCache(64L << 20)), clean, cf, targets, true));
        } finally {
            RowKernels.packWeights = was;
        }
    }

    /**
     * With a packed copy from a file attached (PackedWeights), every stage multiplies over it from the first product
     * on: the same bits as the mapped matrices, and no copy of the engine's own is ever requested.
     */
    @Test
    void packedWeightsFromAFileGiveTheSameBitsWithoutCopiesOfTheirOwn(@TempDir Path tmp) throws Exception {
        Gpt2Model model = Fixtures.random(13, 3, 4, 64, 500, Activation.GELU_NEW);
        ModelDigest digest = ModelDigest.of(model);
        int[] clean = {17, 230, 5, 99, 412, 7}, cf = clean.clone();
        cf[3] = 256;
        int[] targets = {301, 99};
        boolean was = RowKernels.packWeights;
        try {
            RowKernels.packWeights = false;
            Reference unpacked = sequential(model, digest, List.of(clean, cf), nodeAndPosition(3, clean.length), targets);
            RowKernels.packWeights = true;
            PackedWeights.write(model, "BatchTest", tmp.resolve("p.bin"));
            model.usePackedWeights(PackedWeights.open(model, "BatchTest", tmp.resolve("p.bin")));
            assertTrue(RowKernels.fromFile(model, 2) != null);
            PatchEngine engine = new PatchEngine(model, digest, new ActivationCache(64L << 20));
            assertSweepEquals("packed weights from a file vs matrices", unpacked, Sweeps.nodeAndPosition(engine, clean, cf, targets, true));
            assertSweepEquals("packed weights from a file, second sweep (cache warm)", unpacked,
                    Sweeps.nodeAndPosition(new PatchEngine(model, digest, new ActivationCache(64L << 20)), clean, cf, targets, true));
            for (int l = 0; l < 3; l++)   // had the stages asked for heap copies (3 per pass), this fourth request would pack
                assertTrue(model.packedLayerOnReuse(l) == null, "layer " + l + ": no heap copy requested");
        } finally {
            RowKernels.packWeights = was;
            model.usePackedWeights(null);
        }
    }

    @Test
    void batchedSweepsEqualTheSequentialPathOnARandomModel() {
        // 4 layers, 4 heads, 64 wide; 7 tokens that differ only at position 3 (rows 4.. differ through attention).
        Gpt2Model model = Fixtures.random(11, 4, 4, 64, 500, Activation.GELU_NEW);
        ModelDigest digest = ModelDigest.of(model);
        int[] clean = {17, 230, 5, 99, 412, 7, 301}, cf = clean.clone();
        cf[3] = 256;
        int[] targets = {301, 99, 0, 499};
        List<int[]> inputs = List.of(clean, cf);
        Reference nodePos = sequential(model, digest, inputs, nodeAndPosition(4, clean.length), targets);
        Reference heads = sequential(model, digest, inputs, heads(4, 4), targets);

        PatchEngine cold = new PatchEngine(model, digest, new ActivationCache(64L << 20));
        SweepResult s = Sweeps.nodeAndPosition(cold, clean, cf, targets, true);
        assertSweepEquals("random node x position, cold", nodePos, s);
        assertSweepEquals("random node x position, warm", nodePos, Sweeps.nodeAndPosition(cold, clean, cf, targets, true));
        assertSweepEquals("random heads", heads, Sweeps.heads(new PatchEngine(model, digest, new ActivationCache(64L << 20)), clean, cf, targets, true));
        assertSweepEquals("random node x position, cache off", nodePos,
                Sweeps.nodeAndPosition(new PatchEngine(model, digest, ActivationCache.disabled()), clean, cf, targets, true));
        // Without the hidden states only last rows are read, and the final layer computes only those: same metrics.
        SweepResult last = Sweeps.nodeAndPosition(new PatchEngine(model, digest, new ActivationCache(64L << 20)), clean, cf, targets, false);
        for (int i = 0; i < nodePos.probs().size(); i++) {
            SweepResult.Run r = last.runs().get(i);
            assertArrayEquals(nodePos.probs().get(i), r.probs(), "last rows only, run " + i + ": probabilities not bit-identical");
            assertArrayEquals(nodePos.logits().get(i), r.logits(), "last rows only, run " + i + ": logits not bit-identical");
            assertTrue(r.hidden() == null, "hidden states not kept");
        }
        long rowsAll = s.runs().stream().mapToLong(r -> r.stats().rowsComputed()).sum();
        long rowsLast = last.runs().stream().mapToLong(r -> r.stats().rowsComputed()).sum();
        assertTrue(rowsLast < rowsAll, "the final layer's earlier rows are left out: " + rowsLast + " < " + rowsAll);

        // Patching before position 3 is a no-op: those runs are the clean run, and cost nothing.
        for (SweepResult.Run r : s.runs())
            if (!r.node().equals("none") && Integer.parseInt(r.position()) < 3)
                assertEquals(0, r.stats().computed(), r.node() + " @ " + r.position() + " computes nothing");
        // The batch computes exactly the rows that running the experiments one after the other on a shared cache does.
        PatchEngine shared = new PatchEngine(model, digest, new ActivationCache(64L << 20));
        long sequentialRows = 0;
        for (Intervention iv : nodeAndPosition(4, clean.length)) sequentialRows += shared.run(inputs, iv, RunOptions.DEFAULT).stats().rowsComputed();
        assertEquals(sequentialRows, s.runs().stream().mapToLong(r -> r.stats().rowsComputed()).sum(), "rows computed");
    }

    @Test
    void runAllEqualsRunningEachExperimentAloneWithEverything() {
        List<Intervention> ivs = EngineTest.interventions();
        RunOptions all = RunOptions.DEFAULT.withLogits(true).withAttentions(true);
        PatchEngine off = EngineTest.engine(ActivationCache.disabled());
        List<PatchResult> ref = ivs.stream().map(iv -> off.run(INPUTS, iv, all)).toList();
        PatchEngine on = EngineTest.engine(new ActivationCache(1 << 26));
        List<PatchResult> cold = on.runAll(INPUTS, ivs, all), warm = on.runAll(INPUTS, ivs, all);
        List<PatchResult> chunked = EngineTest.engine(new ActivationCache(1 << 26)).runAll(INPUTS, ivs, all, 40_000);
        List<PatchResult> oneByOne = EngineTest.engine(new ActivationCache(1 << 26)).runAll(INPUTS, ivs, all, 1);
        for (int i = 0; i < ivs.size(); i++) {
            for (var c : List.of(new Object[] {"cold batch", cold}, new Object[] {"warm batch", warm},
                    new Object[] {"batches of ~40 KB", chunked}, new Object[] {"batches of one", oneByOne})) {
                @SuppressWarnings("unchecked")
                PatchResult got = ((List<PatchResult>) c[1]).get(i), r = ref.get(i);
                String id = "intervention " + i + " " + c[0];
                Fixtures.assertBitwise(id + " hidden", r.hidden(), got.hidden());
                Fixtures.assertBitwise(id + " logits", r.logits(), got.logits());
                assertEquals(r.key(), got.key(), id + ": key");
                assertEquals(r.stats().values(), got.stats().values(), id + ": distinct values of the experiment");
                assertEquals(r.provenance(), got.provenance(), id + ": provenance");
                assertEquals(r.attentions().size(), got.attentions().size(), id + ": attention patterns");
                for (int a = 0; a < r.attentions().size(); a++)
                    Fixtures.assertBitwise(id + " attention " + a, r.attentions().get(a).probs(), got.attentions().get(a).probs());
            }
            assertEquals(0, warm.get(i).stats().computed(), "intervention " + i + ": the warm batch computes nothing");
        }
        // Results with equal final states share the LM-head product but not their arrays.
        int a = 0, b = -1;
        for (int i = 1; i < ivs.size() && b < 0; i++) if (cold.get(i).key().equals(cold.get(a).key())) b = i;
        assertTrue(b > 0, "some intervention is a no-op (equal to intervention 0)");
        assertNotSame(cold.get(a).logits(), cold.get(b).logits());
        assertNotSame(cold.get(a).hidden(), cold.get(b).hidden());
    }

    @Test
    void statisticsCountAsIfTheBatchRanInOrder() {
        PatchEngine eng = EngineTest.engine(new ActivationCache(1 << 24));
        List<PatchResult> rs = eng.runAll(INPUTS, List.of(Interventions.plain(0), Interventions.plain(1), Interventions.plain(0)), RunOptions.DEFAULT);
        // Run 0 computes qkv, attn, mlp of 3 layers; run 1 shares rows 0..2 (same tokens) with run 0's values,
        // within the same stage; run 2 is run 0 again: all hits.
        assertEquals(new PatchResult.RunStats(rs.get(0).stats().values(), 9, 0, 0, 9L * T, 0), rs.get(0).stats());
        assertEquals(new PatchResult.RunStats(rs.get(1).stats().values(), 9, 0, 9, 9L * (T - 3), 27), rs.get(1).stats());
        assertEquals(0, rs.get(2).stats().computed());
        assertEquals(6, rs.get(2).stats().cacheHits(), "run 2 finds attention and MLP of 3 layers (their qkv inputs are not needed)");
        Fixtures.assertBitwise("input 1, rows 0..2 shared in the batch", EngineTest.plain(1), rs.get(1).hidden());
        Fixtures.assertBitwise("input 0 twice", rs.get(0).hidden(), rs.get(2).hidden());
        assertEquals(18, eng.cache().stats().stores(), "9 values per distinct run, stored once");

        // With the cache off nothing is shared between experiments: both compute everything.
        List<PatchResult> off = EngineTest.engine(ActivationCache.disabled())
                .runAll(INPUTS, List.of(Interventions.plain(0), Interventions.plain(0)), RunOptions.DEFAULT);
        assertEquals(9L * T, off.get(0).stats().rowsComputed());
        assertEquals(9L * T, off.get(1).stats().rowsComputed());
    }

    @Test
    void verboseBatchLogsSharedRowsAndStores() {
        List<String> log = new ArrayList<>();
        EngineTest.engine(new ActivationCache(1 << 24)).runAll(INPUTS, List.of(Interventions.plain(0), Interventions.plain(1)),
                RunOptions.DEFAULT.withLog(log::add));
        assertEquals(18, log.stream().filter(s -> s.startsWith("cache store ")).count(), log.toString());
        assertEquals(9, log.stream().filter(s -> s.matches("shared rows 0\\.\\.2 [0-9a-f]{32} (qkv|attn|mlp)\\(layer \\d\\)")).count(), log.toString());
    }

    /**
     * f1 at position 4 reads input 1 (inputs differ from position 3 on): the MLP of layer 1 then takes row 4 from input
     * 1's stream and row 5 from input 0's, under new row keys. Batched with both plain runs, those two rows equal rows
     * the plain runs compute in the same stage, and so does row 5 of the patched stream at layer 2's qkv (the MLP is
     * row-wise; attention only mixes rows after that). Each is computed once, and every result keeps its bits.
     */
    @Test
    void rowsEqualByContentAreComputedOnceInABatch() {
        List<Intervention> ivs = List.of(Interventions.plain(0), Interventions.plain(1),
                Interventions.nodeAtPosition(new Node.Mlp(1), 4, 1, 0));
        List<String> log = new ArrayList<>();
        List<PatchResult> got = EngineTest.engine(new ActivationCache(1 << 24)).runAll(INPUTS, ivs, RunOptions.DEFAULT.withLogits(true).withLog(log::add));
        // each stage: 6 rows of input 0, rows 3..5 of input 1 (rows 0..2 shared by key), rows 4..5 of the patched run
        assertEquals(List.of("equal rows: 2 of 11 input rows repeat another, 9 computed (mlp(layer 1))",
                        "equal rows: 1 of 11 input rows repeat another, 10 computed (qkv(layer 2))"),
                log.stream().filter(s -> s.startsWith("equal rows")).toList());
        PatchEngine off = EngineTest.engine(ActivationCache.disabled());
        List<String> offLog = new ArrayList<>();
        RunOptions offOptions = RunOptions.DEFAULT.withLogits(true).withLog(offLog::add);
        for (int i = 0; i < ivs.size(); i++) {
            PatchResult r = off.run(INPUTS, ivs.get(i), offOptions);
            Fixtures.assertBitwise("run " + i + " hidden", r.hidden(), got.get(i).hidden());
            Fixtures.assertBitwise("run " + i + " logits", r.logits(), got.get(i).logits());
        }
        assertTrue(offLog.stream().noneMatch(s -> s.startsWith("equal rows")), "with the cache off nothing is shared");
    }

    /**
     * Asked for the last row only, a plain run on a cold cache computes the last layer's attention and MLP for the last
     * row alone: that row keeps its bits, the rows before it are NaN, and those two values are not cached.
     */
    @Test
    void lastRowOnlyComputesTheFinalLayerForTheLastRow() {
        PatchEngine eng = EngineTest.engine(new ActivationCache(1 << 24));
        List<String> log = new ArrayList<>();
        PatchResult r = eng.runAll(INPUTS, List.of(Interventions.plain(0)), RunOptions.DEFAULT.withLog(log::add).withHiddenFrom(T - 1)).getFirst();
        float[] full = EngineTest.plain(0);
        int E = EngineTest.E;
        Fixtures.assertBitwise("last row", Arrays.copyOfRange(full, (T - 1) * E, T * E), Arrays.copyOfRange(r.hidden(), (T - 1) * E, T * E));
        for (int i = 0; i < (T - 1) * E; i++) assertTrue(Float.isNaN(r.hidden()[i]), "hidden[" + i + "] is NaN, not computed");
        // 3 layers x (qkv, attention, MLP), T rows each, but layer 2's attention and MLP compute only row T - 1
        assertEquals(new PatchResult.RunStats(r.stats().values(), 9, 0, 0, 7L * T + 2, 0), r.stats());
        assertEquals(List.of("rows 0.." + (T - 2) + " not needed attn(layer 2)", "rows 0.." + (T - 2) + " not needed mlp(layer 2)"),
                log.stream().filter(s -> s.contains("not needed")).toList());
        assertEquals(7, eng.cache().stats().stores(), "the two partial values are not stored");

        // A whole run afterwards computes just those two (its layers 0 and 1 are cache hits) and has every row.
        PatchResult whole = eng.run(INPUTS, Interventions.plain(0), RunOptions.DEFAULT);
        Fixtures.assertBitwise("whole after last-row-only", full, whole.hidden());
        assertEquals(2, whole.stats().computed());
        // Logits follow their rows: the last one keeps its bits, the ones before are NaN.
        PatchResult withLogits = EngineTest.engine(new ActivationCache(1 << 24)).runAll(INPUTS, List.of(Interventions.plain(0)),
                RunOptions.DEFAULT.withLogits(true).withHiddenFrom(T - 1)).getFirst();
        float[] fullLogits = EngineTest.MODEL.forward(new int[][] {INPUTS.get(0)}, false, true).logits();
        int V = EngineTest.V;
        Fixtures.assertBitwise("last row's logits", Arrays.copyOfRange(fullLogits, (T - 1) * V, T * V),
                Arrays.copyOfRange(withLogits.logits(), (T - 1) * V, T * V));
        for (int i = 0; i < (T - 1) * V; i++) assertTrue(Float.isNaN(withLogits.logits()[i]), "logits[" + i + "] is NaN");
        // hiddenFrom must name a row of the inputs.
        var e = assertThrows(IllegalArgumentException.class, () -> eng.runAll(INPUTS, List.of(Interventions.plain(0)), RunOptions.DEFAULT.withHiddenFrom(T)));
        assertTrue(e.getMessage().contains("hiddenFrom = " + T + ", but the inputs have " + T + " tokens"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RunOptions.DEFAULT.withHiddenFrom(-1));
        assertTrue(e.getMessage().contains("hiddenFrom = -1"), e.getMessage());

        // Every kind of experiment (position, head and q/k/v-input splits, sender -> receiver, nested), in one batch
        // and each alone on a cold cache (where no other experiment's demand covers a mistake): same last rows.
        List<Intervention> ivs = EngineTest.interventions();
        PatchEngine off = EngineTest.engine(ActivationCache.disabled());
        List<PatchResult> batch = EngineTest.engine(new ActivationCache(1 << 26)).runAll(INPUTS, ivs, RunOptions.DEFAULT.withHiddenFrom(T - 1));
        for (int i = 0; i < ivs.size(); i++) {
            float[] ref = Arrays.copyOfRange(off.run(INPUTS, ivs.get(i), RunOptions.DEFAULT).hidden(), (T - 1) * E, T * E);
            PatchResult alone = EngineTest.engine(new ActivationCache(1 << 24)).runAll(INPUTS, List.of(ivs.get(i)),
                    RunOptions.DEFAULT.withHiddenFrom(T - 1)).getFirst();
            Fixtures.assertBitwise("intervention " + i + " in the batch, last row", ref, Arrays.copyOfRange(batch.get(i).hidden(), (T - 1) * E, T * E));
            Fixtures.assertBitwise("intervention " + i + " alone, last row", ref, Arrays.copyOfRange(alone.hidden(), (T - 1) * E, T * E));
        }
    }

    @Test
    void singleRunsAndForwardGoThroughTheSameBatchPath() {
        PatchEngine eng = EngineTest.engine(new ActivationCache(1 << 24));
        PatchResult f = eng.forward(INPUTS.get(2), RunOptions.DEFAULT.withLogits(true));
        Gpt2Model.Forward ref = EngineTest.MODEL.forward(new int[][] {INPUTS.get(2)}, false, true);
        Fixtures.assertBitwise("forward hidden", ref.lastHidden(), f.hidden());
        Fixtures.assertBitwise("forward logits", ref.logits(), f.logits());
        assertEquals(9, f.stats().computed());
        assertEquals(f.key(), eng.runAll(List.of(INPUTS.get(2)), List.of(Interventions.plain(0)), RunOptions.DEFAULT).getFirst().key());
    }

    @Test
    void badBatchesAreRejected() {
        PatchEngine eng = EngineTest.engine(ActivationCache.disabled());
        var e = assertThrows(IllegalArgumentException.class,
                () -> eng.runAll(INPUTS, Arrays.asList(Interventions.plain(0), null), RunOptions.DEFAULT));
        assertTrue(e.getMessage().contains("interventions[1] is null"), e.getMessage());
        assertTrue(eng.runAll(INPUTS, List.of(), RunOptions.DEFAULT).isEmpty());
        e = assertThrows(IllegalArgumentException.class,
                () -> Sweeps.nodeAndPosition(eng, INPUTS.get(0), INPUTS.get(1), new int[] {3, 64}, false));
        assertTrue(e.getMessage().contains("targets[1] = 64"), e.getMessage());
    }
}
