package nci.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import nci.gpt2.Gpt2Model;
import nci.patching.ActivationCache;
import nci.patching.Interventions;
import nci.patching.Metrics;
import nci.patching.ModelDigest;
import nci.patching.Node;
import nci.patching.PatchEngine;
import nci.patching.PatchResult;
import nci.patching.RunOptions;
import nci.patching.SweepResult;
import nci.patching.Sweeps;
import nci.tensor.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The node × position sweep ({@link Sweeps#nodeAndPosition}) on the GPT-2-small-shaped random model
 * ({@link RandomGpt2}): for a 6-token clean / counterfactual pair that differ at one position, every
 * node f11, a11, …, f0, a0 at every position reads the counterfactual while all else reads the clean
 * input, and the target tokens' probabilities at the last position are recorded: 1 + 2·12·6 = 145 runs.
 *
 * <p>One op is one whole sweep on a fresh engine and cache, as a user runs it: {@code cache=on} lets
 * the engine reuse the clean computations inside the sweep; {@code cache=off} recomputes every run.
 * The model digest (a hash over all weights) is computed once in setup, not timed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// 5 x 2 s of warm-up (~25 sweeps with the cache on): C2 keeps compiling the engine's and kernels' methods for
// about the first ten sweeps of a fresh JVM (measured: ~850 ms falling to ~400 ms by the tenth)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.VECTOR_MODULE, JvmFlags.NATIVE_ACCESS, JvmFlags.SERIAL_GC, JvmFlags.PREDICATES,
        JvmFlags.DIAGNOSTIC, JvmFlags.SWITCH_PROFILES,
        JvmFlags.COMPILE_QUIET, JvmFlags.KERNEL_THRESHOLDS, JvmFlags.HEAP,
        JvmFlags.PATCHING_YOUNG})
public class SweepBench {

    static final long SEED = 0x5_11EEBL;
    /** Engine cache budget for cache=on: far more than one 6-token sweep needs, so nothing is evicted. */
    static final long CACHE_BYTES = 256L << 20;

    @State(Scope.Benchmark)
    public static class Sweep {
        /** Tokens per input: the seed's examples are ~6-token prompts. */
        @Param({"6"})
        public int T;
        @Param({"on", "off"})
        public String cache;
        @Param({"1", "2"})
        public int threads;

        Gpt2Model model;
        ModelDigest digest;
        int[] clean, counterfactual, targets;
        long cacheBytes;

        @Setup(Level.Trial)
        public void setup() {
            cacheBytes = switch (cache) {
                case "on" -> CACHE_BYTES;
                case "off" -> 0;
                default -> throw new IllegalArgumentException("SweepBench param cache '" + cache + "': expected on or off");
            };
            Parallel.setThreads(threads);
            model = RandomGpt2.build(RandomGpt2.SMALL, SEED);
            digest = ModelDigest.of(model);
            int v = model.config().vocabSize();
            int[][] ids = RandomGpt2.tokens(2, T, v, SEED + 1);
            clean = ids[0];
            // the counterfactual differs from the clean input in one token in the middle (position T/2 = 3 at T = 6),
            // the case the performance issue describes: patches before it are no-ops that the row keys detect
            counterfactual = clean.clone();
            counterfactual[T / 2] = ids[1][0];
            targets = new int[] {ids[1][1], ids[1][2]};
            check();
        }

        /**
         * The checks before timing. The sweep timed here (cache on or off) is run once, then held to:
         * its size (1 + 2·layers·T runs); run {@code none} = a plain {@link Gpt2Model#forward}; every node
         * patched at position 0 = {@code none} (the two inputs agree there, and position 0 sees nothing
         * later); and a few runs recomputed one by one on an engine with the OTHER cache setting, which
         * the engine promises are bit-identical (1e-6 allows nothing real).
         */
        void check() {
            SweepResult timed = sweep(model, digest, cacheBytes, clean, counterfactual, targets);
            int layers = model.config().nLayer(), v = model.config().vocabSize(), e = model.config().nEmbd();
            int expected = 1 + 2 * layers * T;
            if (timed.runs().size() != expected)
                throw new IllegalStateException("SweepBench: expected " + expected + " runs (1 + 2·layers·T), got " + timed.runs().size());
            SweepResult.Run none = timed.runs().getFirst();
            float[] logits = model.forward(new int[][] {clean}, false, true).logits();   // [T, V]
            Agreement.check("SweepBench: run 'none' vs a plain forward, target probabilities at the last position",
                    toFloat(none.probs()), 0, toFloat(Metrics.probabilities(logits, T - 1, v, targets)), 0, targets.length, 1e-5f);
            for (SweepResult.Run r : timed.runs())
                if (r.position().equals("0"))
                    Agreement.check("SweepBench: " + r.node() + " @ 0 (inputs agree there) vs 'none'",
                            toFloat(r.probs()), 0, toFloat(none.probs()), 0, targets.length, 1e-6f);

            PatchEngine other = new PatchEngine(model, digest, cacheBytes > 0 ? ActivationCache.disabled() : new ActivationCache(CACHE_BYTES));
            List<int[]> inputs = List.of(clean, counterfactual);
            for (Node node : List.of(new Node.Mlp(layers - 1), new Node.Attn(0), new Node.Attn(layers / 2), new Node.Mlp(3))) {
                for (int p : new int[] {1, T - 1}) {
                    PatchResult alone = other.run(inputs, Interventions.nodeAtPosition(node, p, 1, 0), RunOptions.DEFAULT);
                    float[] last = model.logits(alone.hidden(), (T - 1) * e, 1);                    // [1, V]
                    SweepResult.Run inSweep = find(timed, node.name(), Integer.toString(p));
                    Agreement.check("SweepBench: " + node.name() + " @ " + p + ", in the sweep (cache " + cache
                                    + ") vs alone (cache " + (cacheBytes > 0 ? "off" : "on") + ")",
                            toFloat(inSweep.probs()), 0, toFloat(Metrics.probabilities(last, 0, v, targets)), 0, targets.length, 1e-6f);
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (model != null) model.close();
            model = null;
        }
    }

    static SweepResult sweep(Gpt2Model model, ModelDigest digest, long cacheBytes, int[] clean, int[] counterfactual, int[] targets) {
        ActivationCache cache = cacheBytes > 0 ? new ActivationCache(cacheBytes) : ActivationCache.disabled();
        return Sweeps.nodeAndPosition(new PatchEngine(model, digest, cache), clean, counterfactual, targets, false);
    }

    private static SweepResult.Run find(SweepResult sweep, String node, String position) {
        for (SweepResult.Run r : sweep.runs())
            if (r.node().equals(node) && r.position().equals(position)) return r;
        throw new IllegalStateException("SweepBench: the sweep has no run for node " + node + " at position " + position);
    }

    private static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }

    @Benchmark
    public SweepResult nodeAndPosition(Sweep s) {
        return sweep(s.model, s.digest, s.cacheBytes, s.clean, s.counterfactual, s.targets);
    }
}
