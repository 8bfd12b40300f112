package nci.patching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import nci.gpt2.Activation;
import nci.gpt2.Gpt2Model;
import org.junit.jupiter.api.Test;

/** The seed's properties and the cache's guarantees, on a seeded random in-memory model. */
class EngineTest {

    static final Gpt2Model MODEL = Fixtures.random(7, 3, 4, 32, 64, Activation.GELU_NEW);
    static final int E = 32, T = 6, V = 64;
    // Inputs 0 and 1 share the prefix [5, 9, 13] and differ from position 3 on; input 2 differs at 0.
    static final List<int[]> INPUTS = List.of(new int[] {5, 9, 13, 2, 40, 7}, new int[] {5, 9, 13, 33, 41, 8},
            new int[] {60, 1, 2, 3, 4, 5});
    static final ModelDigest DIGEST = ModelDigest.of(MODEL);

    static PatchEngine engine(ActivationCache cache) { return new PatchEngine(MODEL, DIGEST, cache); }

    static float[] plain(int k) { return MODEL.forward(new int[][] {INPUTS.get(k)}, false, false).lastHidden(); }

    /** A spread of interventions covering every kind of split. */
    static List<Intervention> interventions() {
        List<Intervention> out = new ArrayList<>();
        for (int l = 0; l < 3; l++) {
            for (int p = 0; p < T; p++) {
                out.add(Interventions.nodeAtPosition(new Node.Attn(l), p, 1, 0));
                out.add(Interventions.nodeAtPosition(new Node.Mlp(l), p, 2, 0));
            }
            for (int h = 0; h < 4; h++) out.add(Interventions.head(l, h, 1, 0));
            out.add(Interventions.headInput(l, 1, Node.Qkv.K, 2, 0));
            out.add(Interventions.headInput(l, 3, Node.Qkv.Q, 1, 2));
        }
        out.add(Interventions.senderToReceiver(new Interventions.Sender.Head(0, 2), new Interventions.Receiver.HeadPart(2, 1, Node.Qkv.V), 3, 1, 0));
        out.add(Interventions.senderToReceiver(new Interventions.Sender.Mlp(1), new Interventions.Receiver.Final(), 3, 2, 0));
        // nested: f2 positions, and under it a1 heads except inside f2.head
        out.add(new Intervention(BranchRules.of(
                new BranchRules.Rule(new Node.Mlp(2), Split.SPLIT, List.of()),
                new BranchRules.Rule(new Node.MlpHead(2), Split.POSITIONS, List.of()),
                new BranchRules.Rule(new Node.Attn(1), Split.SPLIT, List.of(new Node.MlpHead(2))),
                new BranchRules.Rule(new Node.AttnHeads(1), Split.HEADS, List.of(new Node.MlpHead(2)))),
                new WhichRules(List.of(new WhichRules.Rule(new Node.MlpPos(2, 4), 1), new WhichRules.Rule(new Node.AttnHead(1, 0), 2)), 0)));
        return out;
    }

    @Test
    void noBranchingEqualsPlainForwardOfTheChosenInput() {
        PatchEngine on = engine(new ActivationCache(1 << 24)), off = engine(ActivationCache.disabled());
        for (int k = 0; k < INPUTS.size(); k++) {
            Fixtures.assertBitwise("input " + k + " cache on", plain(k), on.run(INPUTS, Branch.NONE, Which.always(k)).hidden());
            Fixtures.assertBitwise("input " + k + " cache off", plain(k), off.run(INPUTS, Branch.NONE, Which.always(k)).hidden());
        }
    }

    @Test
    void splitsThatReadOneInputEqualThePlainForward() {
        // The seed's test_branch / test_branch2 / test_attn_heads: splitting changes nothing when every path reads input 1.
        PatchEngine off = engine(ActivationCache.disabled());
        for (Intervention iv : interventions()) {
            PatchResult r = off.run(INPUTS, iv.branch(), Which.always(1));
            Fixtures.assertBitwise("split with which = 1", plain(1), r.hidden());
        }
    }

    @Test
    void cacheOffColdWarmAndSharedAreBitIdentical() {
        PatchEngine off = engine(ActivationCache.disabled());
        PatchEngine shared = engine(new ActivationCache(1 << 26));
        List<Intervention> ivs = interventions();
        for (int i = 0; i < ivs.size(); i++) {
            Intervention iv = ivs.get(i);
            float[] ref = off.run(INPUTS, iv, RunOptions.DEFAULT).hidden();
            PatchEngine fresh = engine(new ActivationCache(1 << 26));
            PatchResult cold = fresh.run(INPUTS, iv, RunOptions.DEFAULT);
            PatchResult warm = fresh.run(INPUTS, iv, RunOptions.DEFAULT);
            PatchResult sh = shared.run(INPUTS, iv, RunOptions.DEFAULT);
            Fixtures.assertBitwise("intervention " + i + " cold", ref, cold.hidden());
            Fixtures.assertBitwise("intervention " + i + " warm", ref, warm.hidden());
            Fixtures.assertBitwise("intervention " + i + " shared cache", ref, sh.hidden());
            assertEquals(0, warm.stats().computed(), "intervention " + i + ": warm run computes nothing");
            assertEquals(cold.key(), warm.key());
        }
        assertTrue(shared.cache().stats().partialHits() > 0, "the sweep-like sequence must reuse row prefixes");
    }

    @Test
    void positionsBeforeThePatchedPositionAreUnchanged() {
        PatchEngine eng = engine(new ActivationCache(1 << 24));
        float[] clean = plain(0);
        for (int l = 0; l < 3; l++) {
            for (Node node : List.of(new Node.Attn(l), new Node.Mlp(l))) {
                for (int p = 0; p < T; p++) {
                    float[] h = eng.run(INPUTS, Interventions.nodeAtPosition(node, p, 2, 0), RunOptions.DEFAULT).hidden();
                    String id = node.name() + " @ " + p;
                    Fixtures.assertBitwise(id + " rows < " + p, Arrays.copyOf(clean, p * E), Arrays.copyOf(h, p * E));
                    assertFalse(Arrays.equals(Arrays.copyOfRange(clean, p * E, T * E), Arrays.copyOfRange(h, p * E, T * E)),
                            id + ": rows >= " + p + " must change (input 2 differs everywhere)");
                }
            }
        }
    }

    @Test
    void patchingBeforeTheFirstDifferingTokenIsANoOp() {
        PatchEngine eng = engine(new ActivationCache(1 << 24));
        PatchResult clean = eng.run(INPUTS, Branch.NONE, Which.always(0));
        for (int l = 0; l < 3; l++) {
            for (Node node : List.of(new Node.Attn(l), new Node.Mlp(l))) {
                for (int p = 0; p < 3; p++) {             // inputs 0 and 1 agree on tokens 0..2
                    PatchResult r = eng.run(INPUTS, Interventions.nodeAtPosition(node, p, 1, 0), RunOptions.DEFAULT);
                    assertEquals(clean.key(), r.key(), node.name() + " @ " + p + ": same content key as the clean run");
                    assertEquals(0, r.stats().computed(), node.name() + " @ " + p + ": served from the cache");
                    Fixtures.assertBitwise(node.name() + " @ " + p, clean.hidden(), r.hidden());
                }
                PatchResult r = eng.run(INPUTS, Interventions.nodeAtPosition(node, 3, 1, 0), RunOptions.DEFAULT);
                assertNotEquals(clean.key(), r.key(), node.name() + " @ 3 differs");
            }
        }
    }

    @Test
    void sharedPrefixRowsAreReusedAndBitIdentical() {
        ActivationCache cache = new ActivationCache(1 << 24);
        PatchEngine eng = engine(cache);
        eng.run(INPUTS, Branch.NONE, Which.always(0));
        PatchResult b = eng.run(INPUTS, Branch.NONE, Which.always(1));
        assertEquals(3L * 3 * (T - 3), b.stats().rowsComputed(), "only rows 3.. of 9 values (qkv, attn, mlp per layer) are computed");
        assertEquals(3L * 3 * 3, b.stats().rowsReused());
        assertEquals(9, b.stats().partialHits());
        Fixtures.assertBitwise("input 1 with rows 0..2 from input 0's values", plain(1), b.hidden());
        // Longer and shorter inputs share rows too: a 4-token prefix of input 0.
        PatchResult shortRun = eng.run(List.of(Arrays.copyOf(INPUTS.get(0), 4)), Branch.NONE, Which.always(0),
                RunOptions.DEFAULT.withAttentions(true));
        assertEquals(0, shortRun.stats().rowsComputed(), "every row of a prefix is cached");
        float[] ref = MODEL.forward(new int[][] {Arrays.copyOf(INPUTS.get(0), 4)}, true, false).lastHidden();
        Fixtures.assertBitwise("prefix run", ref, shortRun.hidden());
        Gpt2Model.Forward full = MODEL.forward(new int[][] {Arrays.copyOf(INPUTS.get(0), 4)}, true, false);
        for (int l = 0; l < 3; l++) Fixtures.assertBitwise("prefix attention layer " + l, full.attentions().get(l), shortRun.attentions().get(l).probs());
    }

    @Test
    void attentionPatternsAndLogitsMatchThePlainForward() {
        PatchEngine eng = engine(new ActivationCache(1 << 24));
        Gpt2Model.Forward f = MODEL.forward(new int[][] {INPUTS.get(2)}, true, true);
        for (int pass = 0; pass < 2; pass++) {           // cold, then all from the cache
            PatchResult r = eng.run(INPUTS, Branch.NONE, Which.always(2), RunOptions.DEFAULT.withLogits(true).withAttentions(true));
            assertEquals(3, r.attentions().size());
            for (int l = 0; l < 3; l++) {
                assertEquals(l, r.attentions().get(l).layer());
                Fixtures.assertBitwise("attention layer " + l + " pass " + pass, f.attentions().get(l), r.attentions().get(l).probs());
            }
            Fixtures.assertBitwise("logits pass " + pass, f.logits(), r.logits());
        }
    }

    @Test
    void senderToReceiverEqualsAHandWrittenDirectPath() {
        int hs = 2, hr = 1;
        PatchEngine eng = engine(new ActivationCache(1 << 24));
        PatchResult r = eng.run(INPUTS, Interventions.senderToReceiver(new Interventions.Sender.Head(0, hs),
                new Interventions.Receiver.HeadPart(1, hr, Node.Qkv.Q), 3, 2, 0), RunOptions.DEFAULT);
        // By hand: head hs of layer 0 reads input 2; that reaches only head hr's query in layer 1.
        float[] x0 = MODEL.embed(INPUTS.get(0)), x2 = MODEL.embed(INPUTS.get(2));
        float[] q0 = MODEL.qkv(0, x0, T), q2 = MODEL.qkv(0, x2, T);
        float[][] clean0 = fill(q0), mixed = fill(q0);
        mixed[hs] = q2;
        float[] a0 = Gpt2Model.add(x0, MODEL.attention(0, T, clean0, clean0, clean0, null));
        float[] a0s = Gpt2Model.add(x0, MODEL.attention(0, T, mixed, mixed, mixed, null));
        float[] f0 = Gpt2Model.add(a0, MODEL.mlp(0, a0, T));
        float[] s = Gpt2Model.add(a0s, MODEL.mlp(0, a0, T));               // the receiver's query stream
        float[] k1 = MODEL.qkv(1, f0, T), k1s = MODEL.qkv(1, s, T);
        float[][] qs = fill(k1), kv = fill(k1);
        qs[hr] = k1s;
        float[] a1 = Gpt2Model.add(f0, MODEL.attention(1, T, qs, kv, kv, null));
        float[] f1 = Gpt2Model.add(a1, MODEL.mlp(1, a1, T));
        float[] a2 = Gpt2Model.add(f1, MODEL.attention(2, f1, T, null));
        float[] f2 = Gpt2Model.add(a2, MODEL.mlp(2, a2, T));
        Fixtures.assertBitwise("head 0.2 -> head 1.1 q", MODEL.lnFinal(f2, T), r.hidden());

        // MLP 0 -> final residual: only the direct contribution of mlp0 changes.
        PatchResult m = eng.run(INPUTS, Interventions.senderToReceiver(new Interventions.Sender.Mlp(0),
                new Interventions.Receiver.Final(), 3, 2, 0), RunOptions.DEFAULT);
        float[] a0x = Gpt2Model.add(x2, MODEL.attention(0, x2, T, null));
        float[] f0d = Gpt2Model.add(a0, MODEL.mlp(0, a0x, T));
        float[] a1c = Gpt2Model.add(f0, MODEL.attention(1, f0, T, null));
        float[] f1c = Gpt2Model.add(a1c, MODEL.mlp(1, a1c, T));
        float[] a2c = Gpt2Model.add(f1c, MODEL.attention(2, f1c, T, null));
        float[] sum = Gpt2Model.add(Gpt2Model.add(Gpt2Model.add(Gpt2Model.add(f0d, MODEL.attention(1, f0, T, null)),
                MODEL.mlp(1, a1c, T)), MODEL.attention(2, f1c, T, null)), MODEL.mlp(2, a2c, T));
        Fixtures.assertBitwise("mlp 0 -> final", MODEL.lnFinal(sum, T), m.hidden());
    }

    private static float[][] fill(float[] v) {
        float[][] a = new float[4][];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void qkvSplitOfOneComputationRendersAsTheSeedDoes() {
        // q, k, v of head 1 all read input 0: with the cache on the seed renders a0.head1(X), without a0.head1(X,X,X).
        Intervention iv = new Intervention(BranchRules.of(new BranchRules.Rule(new Node.Attn(0), Split.SPLIT, List.of()),
                new BranchRules.Rule(new Node.AttnHeads(0), Split.HEADS, List.of()),
                new BranchRules.Rule(new Node.AttnHead(0, 1), Split.SPLIT, List.of())), Which.always(0));
        PatchResult r = engine(ActivationCache.disabled()).run(INPUTS, iv, RunOptions.DEFAULT);
        assertTrue(r.provenance().render().contains("a0.head1(emb(0)),a0.head2"), r.provenance().render());
        assertTrue(r.provenance().renderNoCache().contains("a0.head1(emb(0),emb(0),emb(0))"), r.provenance().renderNoCache());
        PatchResult k = engine(ActivationCache.disabled()).run(INPUTS, Interventions.headInput(0, 1, Node.Qkv.K, 1, 0), RunOptions.DEFAULT);
        assertTrue(k.provenance().render().contains("a0.head1(emb(0),emb(1),emb(0))"), k.provenance().render());
    }

    @Test
    void dotDrawsSharedSubComputationsOnce() {
        PatchResult r = engine(ActivationCache.disabled()).run(INPUTS,
                Interventions.nodeAtPosition(new Node.Attn(2), 4, 1, 0), RunOptions.DEFAULT);
        String dot = r.provenance().toDot();
        // f1(...emb(0)) feeds a2.resid and positions 0..3, 5: one node; the one from emb(1) another.
        assertEquals(2, dot.split("label=\"f1\"", -1).length - 1, dot);
        assertEquals(1, dot.split("label=\"ln_final\"", -1).length - 1);
        assertEquals(6, dot.split("label=\"a2.head.pos", -1).length - 1);
        assertTrue(dot.startsWith("digraph"));
    }

    @Test
    void verboseModeLogsNodesAndCacheTraffic() {
        PatchEngine eng = engine(new ActivationCache(1 << 24));
        List<String> log = new ArrayList<>();
        eng.run(INPUTS, Branch.NONE, Which.always(0), RunOptions.DEFAULT.withLog(log::add));
        assertEquals("enter ln_final", log.getFirst());
        assertTrue(log.contains("enter ln_final f2 a2 f1 a1 f0 a0 emb -> input 0"), log.toString());
        assertTrue(log.stream().anyMatch(s -> s.startsWith("leave ln_final -> ")));
        assertEquals(9, log.stream().filter(s -> s.startsWith("cache store ")).count(), "qkv, attn, mlp of 3 layers");
        log.clear();
        eng.run(INPUTS, Branch.NONE, Which.always(0), RunOptions.DEFAULT.withLog(log::add));
        assertTrue(log.stream().anyMatch(s -> s.matches("cache hit [0-9a-f]{32} mlp\\(layer 2\\)")), log.toString());
        assertEquals(0, log.stream().filter(s -> s.startsWith("cache store ")).count());
    }

    @Test
    void lruEvictionKeepsTheBudgetAndTheResults() {
        ActivationCache small = new ActivationCache(20_000);      // a few values of [6, 96] floats
        PatchEngine eng = engine(small), off = engine(ActivationCache.disabled());
        for (Intervention iv : interventions().subList(0, 20))
            Fixtures.assertBitwise("under eviction", off.run(INPUTS, iv, RunOptions.DEFAULT).hidden(), eng.run(INPUTS, iv, RunOptions.DEFAULT).hidden());
        ActivationCache.Stats s = small.stats();
        assertTrue(s.evictions() > 0, s.toString());
        assertTrue(s.bytes() <= 20_000, s.toString());
        assertTrue(s.entries() > 0, s.toString());
    }

    @Test
    void aCacheIsSafeToShareBetweenThreads() throws Exception {
        ActivationCache cache = new ActivationCache(1 << 16);      // small: evictions race with lookups
        PatchEngine eng = engine(cache), off = engine(ActivationCache.disabled());
        List<Intervention> ivs = interventions();
        List<float[]> ref = ivs.stream().map(iv -> off.run(INPUTS, iv, RunOptions.DEFAULT).hidden()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> fs = new ArrayList<>();
            for (int rep = 0; rep < 3; rep++)
                for (Intervention iv : ivs) fs.add(pool.submit(() -> eng.run(INPUTS, iv, RunOptions.DEFAULT).hidden()));
            for (int i = 0; i < fs.size(); i++) Fixtures.assertBitwise("threaded run " + i, ref.get(i % ivs.size()), fs.get(i).get());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void badInputsAreRejectedWithTheirIndex() {
        PatchEngine eng = engine(ActivationCache.disabled());
        var e = assertThrows(IllegalArgumentException.class,
                () -> eng.run(List.of(new int[] {1, 2, 3}, new int[] {1, 2}), Branch.NONE, Which.always(0)));
        assertTrue(e.getMessage().contains("inputs[1] has 2 tokens"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> eng.run(List.of(new int[] {1, 64}), Branch.NONE, Which.always(0)));
        assertTrue(e.getMessage().contains("inputs[0][1] = 64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> eng.run(INPUTS, Branch.NONE, Which.always(3)));
        assertTrue(e.getMessage().contains("which returned input 3 for path [ln_final f2 a2 f1 a1 f0 a0 emb]"), e.getMessage());
    }

    @Test
    void contentKeysAreDeterministicAndDiscriminating() {
        PatchEngine a = engine(ActivationCache.disabled()), b = engine(ActivationCache.disabled());
        Key k0 = a.run(INPUTS, Branch.NONE, Which.always(0)).key();
        assertEquals(k0, b.run(INPUTS, Branch.NONE, Which.always(0)).key(), "same computation, same key");
        assertNotEquals(k0, a.run(INPUTS, Branch.NONE, Which.always(1)).key(), "different input, different key");
        Gpt2Model other = Fixtures.random(8, 3, 4, 32, 64, Activation.GELU_NEW);
        assertNotEquals(DIGEST, ModelDigest.of(other));
        assertNotEquals(k0, new PatchEngine(other, ActivationCache.disabled()).run(INPUTS, Branch.NONE, Which.always(0)).key(),
                "different weights, different key");
        assertEquals(DIGEST, ModelDigest.of(Fixtures.random(7, 3, 4, 32, 64, Activation.GELU_NEW)), "digest depends on content only");
        // A head split where every head reads the stream is the unsplit computation.
        assertEquals(k0, a.run(INPUTS, Interventions.head(1, 2, 0, 0), RunOptions.DEFAULT).key());
        assertNotEquals(a.run(INPUTS, Interventions.head(1, 2, 1, 0), RunOptions.DEFAULT).key(),
                a.run(INPUTS, Interventions.head(1, 3, 1, 0), RunOptions.DEFAULT).key(), "different head, different key");
    }
}
