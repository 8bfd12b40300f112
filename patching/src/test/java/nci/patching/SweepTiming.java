package nci.patching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import nci.gpt2.Activation;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.gpt2.Gpt2Weights;
import nci.gpt2.LayerWeights;
import nci.tensor.Mat;

/**
 * Not a test: a timing harness for the node × position sweep on a GPT-2-small-shaped model with seeded random
 * weights (12 layers, 12 heads, 768 wide, vocabulary 50257; ~500 MB of f32), a 6-token pair differing at position 3.
 * Default: {@code reps} cold-cache sweeps (wall and process CPU; the first pays for the JIT), a breakdown (batch,
 * warm batch, LM-head product, metrics), then {@code offReps} runs of the unoptimised path (cache off, one
 * experiment at a time, one LM-head pass per run) and a bit-for-bit comparison with the sweep. Modes (third
 * argument): {@code sweeps} (sweeps only), {@code heads} (the per-head sweep), {@code warm}, {@code symbolic}
 * (runAll on a warm cache), {@code profile FILE} (JFR of {@code reps} sweeps after warm-up), {@code abpack} (sweeps
 * alternating packed layer weights on and off in one JVM, medians after the first 20: an A/B immune to the VM's drift). Run with the classes
 * of tensor, gpt2, patching and patching's test classes:
 * {@code java --add-modules jdk.incubator.vector -Xmx6g -cp ... nci.patching.SweepTiming [reps] [offReps] [mode]}.
 */
public final class SweepTiming {
    private SweepTiming() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int offReps = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        long t0 = System.nanoTime();
        Gpt2Model model = gpt2Small(42);
        ModelDigest digest = ModelDigest.of(model);
        System.out.printf("model built + digested in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        int[] clean = {464, 3290, 286, 4881, 318, 6342};
        int[] cf = clean.clone();
        cf[3] = 8066;
        int[] targets = {6342, 4881, 13};

        if (args.length > 2 && args[2].equals("profile")) {                  // JFR of cold sweeps after warm-up
            for (int i = 0; i < 3; i++) Sweeps.nodeAndPosition(new PatchEngine(model, digest, new ActivationCache(2L << 30)), clean, cf, targets, false);
            try (jdk.jfr.Recording rec = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
                rec.start();
                for (int i = 0; i < reps; i++) {
                    long s = System.nanoTime();
                    Sweeps.nodeAndPosition(new PatchEngine(model, digest, new ActivationCache(2L << 30)), clean, cf, targets, false);
                    System.out.printf("profiled sweep %d ms%n", (System.nanoTime() - s) / 1_000_000);
                }
                rec.stop();
                rec.dump(java.nio.file.Path.of(args[3]));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        if (args.length > 2 && args[2].equals("abpack")) {                   // interleaved A/B: packed weights on/off
            List<Long> onT = new ArrayList<>(), offT = new ArrayList<>();
            for (int i = 0; i < reps; i++) {
                boolean pack = i % 2 == 0;
                RowKernels.packWeights = pack;
                long s = System.nanoTime();
                Sweeps.nodeAndPosition(new PatchEngine(model, digest, new ActivationCache(2L << 30)), clean, cf, targets, false);
                long ms = (System.nanoTime() - s) / 1_000_000;
                if (i >= 20) (pack ? onT : offT).add(ms);
            }
            System.out.printf("packed median %d (%s)%nunpacked median %d (%s)%n", median(onT), onT, median(offT), offT);
            return;
        }
        if (args.length > 2 && args[2].equals("heads")) {                    // the per-head sweep, cold cache
            for (int i = 0; i < reps; i++) {
                PatchEngine eng = new PatchEngine(model, digest, new ActivationCache(2L << 30));
                long s = System.nanoTime();
                SweepResult r = Sweeps.heads(eng, clean, cf, targets, false);
                System.out.printf("heads sweep (%d runs) %d ms  %s%n", r.runs().size(), (System.nanoTime() - s) / 1_000_000, r.cacheStats());
            }
            return;
        }
        if (args.length > 2 && args[2].equals("symbolic")) {                 // profile runAll on a warm cache
            PatchEngine eng = new PatchEngine(model, digest, new ActivationCache(2L << 30));
            List<Intervention> ivs = BatchTest.nodeAndPosition(model.config().nLayer(), clean.length);
            for (int i = 0; i < 200; i++) {
                long s = System.nanoTime();
                eng.runAll(List.of(clean, cf), ivs, RunOptions.DEFAULT);
                if (i % 20 == 19) System.out.printf("warm runAll %d ms%n", (System.nanoTime() - s) / 1_000_000);
            }
            return;
        }
        if (args.length > 2 && args[2].equals("warm")) {                     // profile the warm-cache path only
            PatchEngine eng = new PatchEngine(model, digest, new ActivationCache(2L << 30));
            for (int i = 0; i < 40; i++) {
                long s = System.nanoTime();
                Sweeps.nodeAndPosition(eng, clean, cf, targets, false);
                if (i % 5 == 4) System.out.printf("warm sweep %d ms%n", (System.nanoTime() - s) / 1_000_000);
            }
            return;
        }
        List<Long> on = new ArrayList<>(), onCpu = new ArrayList<>();
        SweepResult last = null;
        for (int i = 0; i < reps; i++) {
            PatchEngine eng = new PatchEngine(model, digest, new ActivationCache(2L << 30));
            long s = System.nanoTime(), cpu = cpuNanos();
            last = Sweeps.nodeAndPosition(eng, clean, cf, targets, true);
            long ms = (System.nanoTime() - s) / 1_000_000, cpuMs = (cpuNanos() - cpu) / 1_000_000;
            on.add(ms);
            if (i > 0) onCpu.add(cpuMs);
            System.out.printf("sweep (cache cold) %d ms wall, %d ms process CPU  %s%n", ms, cpuMs, last.cacheStats());
        }
        if (reps > 1) System.out.printf("MEDIAN sweep_ms %d wall (of %s; first = fresh JIT), after the first: %d wall, %d process CPU%n",
                median(on), on, median(on.subList(1, on.size())), median(onCpu));
        if (args.length > 2 && args[2].equals("sweeps")) return;
        // Where the time goes (warm JIT): the batch alone, the batch on a warm cache (symbolic phase + bookkeeping),
        // the LM-head product over the distinct last rows, the metrics.
        List<Intervention> ivs = BatchTest.nodeAndPosition(model.config().nLayer(), clean.length);
        int V = model.config().vocabSize(), E = model.config().nEmbd();
        for (int i = 0; i < 3; i++) {
            PatchEngine eng = new PatchEngine(model, digest, new ActivationCache(2L << 30));
            long s = System.nanoTime();
            List<PatchResult> rs = eng.runAll(List.of(clean, cf), ivs, RunOptions.DEFAULT);
            long a = System.nanoTime();
            eng.runAll(List.of(clean, cf), ivs, RunOptions.DEFAULT);
            long b = System.nanoTime();
            float[] rows = new float[73 * E];
            for (int j = 0; j < 73; j++) System.arraycopy(rs.get(j).hidden(), 5 * E, rows, j * E, E);
            float[] lg = model.logits(rows, 0, 73);
            long c = System.nanoTime();
            for (int j = 0; j < 73; j++) Metrics.probabilities(lg, j, V, targets);
            long d = System.nanoTime();
            System.out.printf("runAll cold %d ms, runAll warm cache %d ms, logits [73,E]x[E,V] %d ms, metrics x73 %d ms%n",
                    (a - s) / 1_000_000, (b - a) / 1_000_000, (c - b) / 1_000_000, (d - c) / 1_000_000);
        }
        List<Long> off = new ArrayList<>();
        List<float[]> refHidden = null;
        List<double[]> refProbs = null, refLogits = null;
        for (int i = 0; i < offReps; i++) {
            PatchEngine eng = new PatchEngine(model, digest, ActivationCache.disabled());
            long s = System.nanoTime();
            refHidden = new ArrayList<>();
            refProbs = new ArrayList<>();
            refLogits = new ArrayList<>();
            unoptimised(eng, clean, cf, targets, refHidden, refProbs, refLogits);
            long ms = (System.nanoTime() - s) / 1_000_000;
            off.add(ms);
            System.out.printf("unoptimised (cache off, one experiment at a time) %d ms%n", ms);
        }
        if (refHidden == null) return;
        int diff = 0;
        for (int r = 0; r < refHidden.size(); r++) {
            SweepResult.Run b = last.runs().get(r);
            if (!Arrays.equals(refHidden.get(r), b.hidden()) || !Arrays.equals(refProbs.get(r), b.probs())
                    || !Arrays.equals(refLogits.get(r), b.logits())) diff++;
        }
        long rowsComputed = last.runs().stream().mapToLong(r -> r.stats().rowsComputed()).sum();
        long rowsReused = last.runs().stream().mapToLong(r -> r.stats().rowsReused()).sum();
        System.out.printf("runs %d, differing from unoptimised: %d; rows computed %d, reused %d%n",
                last.runs().size(), diff, rowsComputed, rowsReused);
        System.out.printf("unoptimised %d ms (of %s), speedup over it %.1fx (median sweep after the first)%n",
                median(off), off, (double) median(off) / median(on.subList(1, on.size())));
    }

    /** The sweep's experiments one by one through {@link PatchEngine#run}, logits of each run's last row alone. */
    static void unoptimised(PatchEngine eng, int[] clean, int[] cf, int[] targets,
                            List<float[]> hidden, List<double[]> probs, List<double[]> logits) {
        List<int[]> inputs = List.of(clean, cf);
        List<Intervention> ivs = BatchTest.nodeAndPosition(eng.model().config().nLayer(), clean.length);
        int V = eng.model().config().vocabSize(), E = eng.model().config().nEmbd();
        for (Intervention iv : ivs) {
            PatchResult r = eng.run(inputs, iv, RunOptions.DEFAULT);
            float[] lg = eng.model().logits(r.hidden(), (r.T() - 1) * E, 1);
            hidden.add(r.hidden());
            probs.add(Metrics.probabilities(lg, 0, V, targets));
            logits.add(Metrics.logits(lg, 0, V, targets));
        }
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    /** GPT-2 small's shapes, uniform random weights with GPT-2-like scales (seeded). */
    static Gpt2Model gpt2Small(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int L = 12, H = 12, e = 768, inner = 4 * e, P = 1024, V = 50257;
        Gpt2Config config = new Gpt2Config(L, H, e, P, V, inner, 1e-5f, Activation.GELU_NEW);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < L; l++) {
            layers.add(new LayerWeights(around(r, e, 1, 0.1), around(r, e, 0, 0.1),
                    Mat.of(uniform(r, e * 3 * e, 1 / Math.sqrt(e)), e, 3 * e), uniform(r, 3 * e, 0.05),
                    Mat.of(uniform(r, e * e, 1 / Math.sqrt(e)), e, e), uniform(r, e, 0.05),
                    around(r, e, 1, 0.1), around(r, e, 0, 0.1),
                    Mat.of(uniform(r, e * inner, 1 / Math.sqrt(e)), e, inner), uniform(r, inner, 0.05),
                    Mat.of(uniform(r, inner * e, 1 / Math.sqrt(inner)), inner, e), uniform(r, e, 0.05)));
        }
        Mat wte = Mat.of(uniform(r, V * e, 0.1), V, e);
        return new Gpt2Model(config, new Gpt2Weights(wte, Mat.of(uniform(r, P * e, 0.02), P, e), layers,
                around(r, e, 1, 0.1), around(r, e, 0, 0.1), wte), null);
    }

    private static float[] around(SplittableRandom r, int n, double base, double sd) {
        float[] g = uniform(r, n, sd);
        for (int i = 0; i < n; i++) g[i] += (float) base;
        return g;
    }

    /** Uniform with standard deviation sd. */
    private static float[] uniform(SplittableRandom r, int n, double sd) {
        float[] out = new float[n];
        double a = sd * Math.sqrt(3);
        for (int i = 0; i < n; i++) out[i] = (float) ((2 * r.nextDouble() - 1) * a);
        return out;
    }
}
