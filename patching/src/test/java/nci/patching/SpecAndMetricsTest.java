package nci.patching;

import static nci.patching.NodeAndRulesTest.assertMessage;
import static nci.patching.NodeAndRulesTest.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import nci.gpt2.Gpt2Config;
import org.junit.jupiter.api.Test;

/** PatchSpec validation (before any computation) and the metrics. */
class SpecAndMetricsTest {

    static final Gpt2Config CONFIG = EngineTest.MODEL.config();    // 3 layers, 4 heads, vocab 64
    /** A toy tokenizer: one token per character, id = char % 64. */
    static final PatchSpec.Encoder TOK = (s, field) -> s.chars().map(c -> c % 64).toArray();

    @Test
    void parsesTextsIdsRulesAndTargets() {
        PatchSpec s = PatchSpec.parse(json("{'inputs':['abcd',[1,2,3,4]],'branch':[{'at':'a2','value':true},"
                + "{'at':'a2.head','value':'positions'}],'which':{'rules':[{'if_in_path':'a2.head.pos3','input':1}],'default':0},"
                + "'targets':['x',7],'description':'demo'}"), TOK, CONFIG);
        assertEquals(4, s.tokenCount());
        assertArrayEquals(TOK.encode("abcd", "inputs[0]"), s.inputs().get(0));
        assertArrayEquals(new int[] {1, 2, 3, 4}, s.inputs().get(1));
        assertEquals("abcd", s.texts().get(0));
        assertArrayEquals(new int[] {'x' % 64, 7}, s.targetIds());
        assertEquals(2, s.branch().rules().size());
        PatchResult r = new PatchEngine(EngineTest.MODEL, EngineTest.DIGEST, ActivationCache.disabled()).run(s.inputs(), s.intervention(), RunOptions.DEFAULT);
        assertTrue(r.provenance().render().contains("a2.head.pos3(f1(a1(f0(a0(emb(1))))))"), r.provenance().render());
    }

    @Test
    void rejectsBadSpecsNamingTheField() {
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc','abcd']}"), TOK, CONFIG), "inputs[1]: 4 tokens, but inputs[0] has 3");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'which':{'rules':[],'default':1}}"), TOK, CONFIG), "which.default: input 1 does not exist");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc','abd'],'which':{'rules':[{'if_in_path':'a0','input':2}],'default':0}}"), TOK, CONFIG),
                "which.rules[0].input: input 2 does not exist");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'branch':[{'at':'a3','value':true}]}"), TOK, CONFIG), "branch[0].at: node 'a3': layer 3 out of range");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'branch':[{'at':'a1.head4','value':true}]}"), TOK, CONFIG), "branch[0].at: node 'a1.head4': head 4 out of range");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'which':{'rules':[{'if_in_path':'f0.head.pos3','input':0}],'default':0}}"), TOK, CONFIG),
                "which.rules[0].if_in_path: node 'f0.head.pos3': position 3 out of range");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'branch':[{'at':'a1.hed','value':true}]}"), TOK, CONFIG), "branch[0].at: unknown node name 'a1.hed'");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'branch':[{'at':'a1','value':'yes'}]}"), TOK, CONFIG), "branch[0].value: bad value");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'target':['x']}"), TOK, CONFIG), "unknown field 'target'");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'targets':['xy']}"), TOK, CONFIG), "targets[0]: 'xy' is 2 tokens");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'targets':['x','y',56]}"), TOK, CONFIG),
                "targets[2]: the same token as targets[0] (id 56); each target must be a different token");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':[[1,99]]}"), TOK, CONFIG), "inputs[0][1]: token id 99 outside the vocabulary");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc']}"), null, CONFIG), "inputs[0]: a text input needs a tokenizer, and the model has none (give token ids)");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':[[1,2]],'targets':[3,'x']}"), null, CONFIG),
                "targets[1]: a text target needs a tokenizer, and the model has none (give a token id)");
        // The encoder is told which field a text is in, so that its own errors name it.
        PatchSpec.Encoder strict = (text, field) -> {
            if (text.isEmpty()) throw new IllegalArgumentException(field + ": '' encodes to no tokens");
            return TOK.encode(text, field);
        };
        assertMessage(() -> PatchSpec.parse(json("{'inputs':['abc'],'targets':['a','']}"), strict, CONFIG), "targets[1]: '' encodes to no tokens");
        assertMessage(() -> PatchSpec.parse(json("{'inputs':[]}"), TOK, CONFIG), "inputs: expected a non-empty array");
    }

    /**
     * A small KL over GPT-2's vocabulary, against a formulation that cannot cancel: Σ p d + log1p(Σ p expm1(-d)), all
     * in double. Two float32 log-sum-exps subtracted (the old way) were off by several 1e-8 here.
     */
    @Test
    void smallKlIsAccurate() {
        int V = 50257;
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (double scale : new double[] {1e-5, 1e-4, 1e-3}) {
            float[] c = new float[V], q = new float[V];
            for (int v = 0; v < V; v++) {
                c[v] = (float) (10 + 3 * r.nextGaussian());
                q[v] = c[v] + (float) (scale * r.nextGaussian());
            }
            double mc = Double.NEGATIVE_INFINITY, z = 0;
            for (float x : c) mc = Math.max(mc, x);
            for (float x : c) z += Math.exp(x - mc);
            double pd = 0, pe = 0;
            for (int v = 0; v < V; v++) {
                double p = Math.exp(c[v] - mc) / z, d = (double) c[v] - q[v];
                pd += p * d;
                pe += p * Math.expm1(-d);
            }
            double ref = pd + Math.log1p(pe);
            assertTrue(ref > 0, "reference " + ref);
            assertEquals(ref, Metrics.klDivergence(c, q, 0, V), 1e-14 + 1e-6 * ref, "scale " + scale);
        }
    }

    @Test
    void metricsHaveKnownValues() {
        float[] logits = {0f, (float) Math.log(3), 0f, 0f,  /* row 1 */ 1f, 1f, 1f, 1f};
        double[] p = Metrics.probabilities(logits, 0, 4, new int[] {1, 0});
        assertEquals(0.5, p[0], 1e-7);
        assertEquals(1.0 / 6, p[1], 1e-7);
        assertEquals(0.25, Metrics.probabilities(logits, 1, 4, new int[] {3})[0], 1e-12);
        assertEquals(Math.log(3), Metrics.logitDiff(logits, 0, 4, 1, 0), 1e-6);
        assertEquals(0.0, Metrics.klDivergence(logits, logits, 0, 4), 1e-12);
        // KL(p || uniform) = Σ p log(4p) for p = (1/6, 1/2, 1/6, 1/6)
        double expected = 3 * (1.0 / 6) * Math.log(4.0 / 6) + 0.5 * Math.log(2);
        float[] both = {0f, (float) Math.log(3), 0f, 0f};
        assertEquals(expected, Metrics.klDivergence(both, new float[] {1f, 1f, 1f, 1f}, 0, 4), 1e-6);
        assertEquals(expected / 2, Metrics.klDivergence(logits, new float[] {1, 1, 1, 1, 1, 1, 1, 1}, new int[] {0, 1}, 4), 1e-6);
        // Huge logits stay finite.
        assertEquals(1.0, Metrics.probabilities(new float[] {1000f, 0f}, 0, 2, new int[] {0})[0], 1e-12);
        assertMessage(() -> Metrics.probabilities(logits, 2, 4, new int[] {0}), "row 2 outside logits of 2 rows");
        assertMessage(() -> Metrics.logitDiff(logits, 0, 4, 4, 0), "token id 4 outside the vocabulary");
    }

    @Test
    void headSweepReportsEveryLayerAndHead() {
        PatchEngine eng = new PatchEngine(EngineTest.MODEL, EngineTest.DIGEST, new ActivationCache(1 << 24));
        SweepResult r = Sweeps.heads(eng, EngineTest.INPUTS.get(0), EngineTest.INPUTS.get(2), new int[] {3, 4}, false);
        assertEquals(12, r.runs().size());
        assertEquals("a0.head0", r.runs().getFirst().node());
        assertEquals("all", r.runs().getFirst().position());
        assertEquals(24, r.rows().size());
        // Each run equals a direct run of the same intervention.
        PatchEngine off = new PatchEngine(EngineTest.MODEL, EngineTest.DIGEST, ActivationCache.disabled());
        PatchResult direct = off.run(java.util.List.of(EngineTest.INPUTS.get(0), EngineTest.INPUTS.get(2)), Interventions.head(2, 3, 1, 0), RunOptions.DEFAULT.withLogits(true));
        double[] p = Metrics.probabilities(direct.logits(), direct.T() - 1, 64, new int[] {3, 4});
        assertArrayEquals(p, r.runs().get(11).probs(), 0.0);
    }
}
