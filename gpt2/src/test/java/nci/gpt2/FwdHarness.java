package nci.gpt2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import nci.tensor.Mat;
import nci.tensor.Parallel;

/**
 * Timing / profiling harness for the flat forward (a main, not a test): a GPT-2-small-shaped model with seeded
 * random weights in one off-heap segment, the ForwardBench workload (forward, then logits of each last row), median
 * wall time of reps runs after 5 warm-up runs per shape; with jfr=path.jfr, a JFR recording of the timed runs per
 * shape (path-BxT.jfr; then {@code jfr print --events jdk.ExecutionSample}).
 * args: threads reps shapes... [jfr=path]   e.g. 2 15 1x32 1x128 16x32 jfr=/tmp/f.jfr
 * Run with the test classpath, {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED}.
 */
public final class FwdHarness {
    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]), reps = Integer.parseInt(args[1]);
        Parallel.setThreads(threads);
        String jfr = null;
        List<int[]> shapes = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            if (args[i].startsWith("jfr=")) jfr = args[i].substring(4);
            else { String[] p = args[i].split("x"); shapes.add(new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])}); }
        }
        Gpt2Model model = build(0x6A72024L);
        float chk = 0;
        for (int[] s : shapes) {
            int[][] batch = tokens(s[0], s[1], 50257, 7);
            for (int i = 0; i < 5; i++) chk += lastLogits(model, batch)[0];
            jdk.jfr.Recording rec = null;
            if (jfr != null) {
                rec = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                rec.start();
            }
            long[] t = new long[reps];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                chk += lastLogits(model, batch)[0];
                t[i] = System.nanoTime() - t0;
            }
            if (rec != null) {
                rec.stop();
                rec.dump(java.nio.file.Path.of(jfr.replace(".jfr", "-" + s[0] + "x" + s[1] + ".jfr")));
                rec.close();
            }
            Arrays.sort(t);
            System.out.printf("%dx%d threads=%d median %.1f ms  min %.1f  max %.1f%n", s[0], s[1], threads,
                    t[reps / 2] / 1e6, t[0] / 1e6, t[reps - 1] / 1e6);
        }
        System.out.println("chk " + chk);
    }

    static float[] lastLogits(Gpt2Model model, int[][] batch) {
        int b = batch.length, T = batch[0].length, e = model.config().nEmbd();
        float[] hidden = model.forward(batch, false, false).lastHidden();
        float[] last = new float[b * e];
        for (int i = 0; i < b; i++) System.arraycopy(hidden, (i * T + T - 1) * e, last, i * e, e);
        return model.logits(last, 0, b);
    }

    static int[][] tokens(int b, int T, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] out = new int[b][T];
        for (int[] s : out) for (int t = 0; t < T; t++) s[t] = r.nextInt(vocab);
        return out;
    }

    static Gpt2Model build(long seed) {
        Gpt2Config cfg = new Gpt2Config(12, 12, 768, 1024, 50257, 3072, 1e-5f, Activation.GELU_NEW);
        int e = 768, in = 3072, v = 50257, p = 1024;
        long per = (long) e * 3 * e + (long) e * e + (long) e * in + (long) in * e;
        long total = (long) v * e + (long) p * e + 12 * per;
        Arena arena = Arena.ofShared();
        MemorySegment seg = arena.allocate(total * 4, 64);
        SplittableRandom r = new SplittableRandom(seed);
        long[] cur = {0};
        float a = 0.02f * (float) Math.sqrt(3);
        Mat wte = slice(seg, cur, v, e, r, a), wpe = slice(seg, cur, p, e, r, a / 2);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < 12; l++)
            layers.add(new LayerWeights(ones(e), new float[e], slice(seg, cur, e, 3 * e, r, a), arr(3 * e, r, a),
                    slice(seg, cur, e, e, r, a), arr(e, r, a), ones(e), new float[e],
                    slice(seg, cur, e, in, r, a), arr(in, r, a), slice(seg, cur, in, e, r, a), arr(e, r, a)));
        return new Gpt2Model(cfg, new Gpt2Weights(wte, wpe, layers, ones(e), new float[e], wte), arena);
    }

    static Mat slice(MemorySegment seg, long[] cur, int rows, int cols, SplittableRandom r, float a) {
        long n = (long) rows * cols;
        for (long i = 0; i < n; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, cur[0] + i, (float) ((r.nextDouble() * 2 - 1) * a));
        Mat m = new Mat(seg, cur[0], rows, cols);
        cur[0] += n;
        return m;
    }

    static float[] arr(int n, SplittableRandom r, float a) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) ((r.nextDouble() * 2 - 1) * a);
        return x;
    }

    static float[] ones(int n) { float[] x = new float[n]; Arrays.fill(x, 1f); return x; }
}
