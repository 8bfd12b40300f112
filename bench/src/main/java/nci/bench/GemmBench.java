package nci.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import nci.tensor.Gemm;
import nci.tensor.Mat;
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
 * The GEMMs of GPT-2 small, c [T, N] = a [T, K] · b [K, N] + bias, at T = 1 … 512 rows:
 * c_attn 768x2304, attn c_proj 768x768, c_fc 768x3072, mlp c_proj 3072x768, and the LM head 768x50257
 * (both as a plain [K, N] matmul and as the model really calls it, {@code matmulTransposed} over wte [N, K]),
 * and the four layer shapes once more over B packed before the timing ({@code packedMatmul}), as the model
 * multiplies its layer weights from a mapped packed copy.
 *
 * <p>Throughput mode: one op is one whole GEMM; {@link Results} turns ops/s into GFLOP/s with
 * 2·T·K·N flops per op. {@code a} is a heap array (activations are); {@code b} lives in an
 * {@code Arena.ofShared()} segment, as mapped weights do. Each {@code @Setup} runs the fast kernel once
 * and holds it to the scalar reference on the first and last rows before anything is timed.
 *
 * <p>{@code fmaPeak} is the yardstick for the others, measured in the same run: the FMA throughput that
 * {@code threads} threads of the kernels' pool get from a register-only loop ({@link FmaPeak}), in GFLOP/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.VECTOR_MODULE, JvmFlags.NATIVE_ACCESS, JvmFlags.SERIAL_GC, JvmFlags.PREDICATES,
        JvmFlags.DIAGNOSTIC, JvmFlags.SWITCH_PROFILES,
        JvmFlags.COMPILE_QUIET, JvmFlags.KERNEL_THRESHOLDS, JvmFlags.HEAP})
public class GemmBench {

    static final long SEED = 0x5EED_6E33L;

    /** One shape's operands; the subclasses carry the {@code @Param}s. */
    public abstract static class Operands {
        int t, k, n, nThreads;
        float[] a;        // [T, K]
        float[] bias;     // [N]
        float[] c;        // [T, N]
        Mat b;            // [K, N], or [N, K] when transposed
        Arena arena;

        /** shape is "KxN"; transposed stores b as [N, K] for {@code matmulTransposed}. */
        void allocate(int t, String shape, int threads, boolean transposed) {
            int[] kn = parseShape(shape);
            if (t < 1) throw new IllegalArgumentException("GemmBench param T must be >= 1, got " + t);
            this.t = t;
            this.k = kn[0];
            this.n = kn[1];
            this.nThreads = threads;
            Parallel.setThreads(threads);
            SplittableRandom rnd = new SplittableRandom(SEED ^ ((long) k << 32) ^ n);
            a = Seeded.array(t * k, rnd, 1f);
            bias = Seeded.array(n, rnd, 1f);
            c = new float[Math.multiplyExact(t, n)];
            arena = Arena.ofShared();
            long floats = (long) k * n;
            MemorySegment seg = arena.allocate(floats * Float.BYTES, 64);
            Seeded.fill(seg, 0, floats, rnd, 1f);
            b = transposed ? new Mat(seg, 0, n, k) : new Mat(seg, 0, k, n);
        }

        /**
         * c must already hold the fast kernel's result; recomputes rows 0 and T-1 with the scalar twin.
         * Tolerance: float sums of K products of values in [-1, 1] in a different order; a wrong
         * kernel is off by O(1), rounding by ~1e-5.
         */
        void checkRows(String kernel, boolean transposed) {
            float tol = 2e-6f * k;
            float[] ref = new float[n];
            for (int r : t == 1 ? new int[] {0} : new int[] {0, t - 1}) {
                if (transposed) Gemm.matmulTransposedScalar(a, r * k, 1, k, b, ref, 0);
                else Gemm.matmulScalar(a, r * k, 1, k, b, bias, ref, 0);
                Agreement.check("GemmBench: " + kernel + " vs scalar twin, T=" + t + " K=" + k + " N=" + n
                        + " threads=" + nThreads + ", row " + r, c, r * n, ref, 0, n, tol);
            }
        }

        void close() {
            if (arena != null) arena.close();
            arena = null;
        }

        /** Sets the subclass's {@code @Param} fields, as JMH does before a trial (for GemmLoop, which has no JMH). */
        abstract void params(int T, String shape, int threads);

        /** The subclass's {@code @Setup}: allocates for its params and checks the kernel before anything is timed. */
        public abstract void setup();
    }

    /** "768x2304" -> {768, 2304}. */
    static int[] parseShape(String shape) {
        String[] parts = shape.split("x");
        try {
            if (parts.length == 2) {
                int k = Integer.parseInt(parts[0]), n = Integer.parseInt(parts[1]);
                if (k >= 1 && n >= 1) return new int[] {k, n};
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("GemmBench param shape '" + shape + "': expected KxN with positive integers, e.g. 768x2304");
    }

    /** The vector kernel over every GPT-2-small shape. */
    @State(Scope.Benchmark)
    public static class Fast extends Operands {
        @Param({"1", "8", "32", "128", "512"})
        public int T;
        @Param({"768x2304", "768x768", "768x3072", "3072x768", "768x50257"})
        public String shape;
        @Param({"1", "2"})
        public int threads;

        @Override
        void params(int T, String shape, int threads) { this.T = T; this.shape = shape; this.threads = threads; }

        @Setup(Level.Trial)
        public void setup() {
            allocate(T, shape, threads, false);
            Gemm.matmul(a, 0, t, k, b, bias, c, 0);
            checkRows("Gemm.matmul", false);
        }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    /**
     * The layer shapes over B packed ahead of time, as the model multiplies its layer weights from a model's second
     * command on (a mapped packed copy, {@code PackedWeights}): {@link Gemm.PackedB}'s panels copied once into an
     * off-heap segment, read through {@link Gemm.PackedSegment}. numpy packs per call, so this is nci with a cost
     * moved out of the timed region that numpy pays in it; compare-numpy prints it beside {@code matmul}, not instead.
     * No T = 1 (a single row streams B, the same code as {@code matmul}) and no LM head (the model multiplies by
     * wte, {@code lmHead}, which is not packed).
     */
    @State(Scope.Benchmark)
    public static class Packed extends Operands {
        @Param({"8", "32", "128", "512"})
        public int T;
        @Param({"768x2304", "768x768", "768x3072", "3072x768"})
        public String shape;
        @Param({"1", "2"})
        public int threads;

        Gemm.PackedSegment packed;

        @Override
        void params(int T, String shape, int threads) { this.T = T; this.shape = shape; this.threads = threads; }

        @Setup(Level.Trial)
        public void setup() {
            allocate(T, shape, threads, false);
            Gemm.PackedB panels = Gemm.pack(b);
            MemorySegment seg = arena.allocate(panels.bytes(), 4096);
            MemorySegment.copy(panels.data(), 0, seg, 0, panels.bytes());
            packed = new Gemm.PackedSegment(seg, k, n);
            float[] perCall = new float[c.length];
            Gemm.matmul(a, 0, t, k, b, bias, perCall, 0);
            Gemm.matmul(a, 0, t, k, b, null, packed, bias, c, 0);
            // the same kernels over the same panels: the same bits, not just close ones
            Agreement.check("GemmBench: Gemm.matmul over a packed segment vs per-call packing, T=" + t + " K=" + k
                    + " N=" + n + " threads=" + nThreads, c, 0, perCall, 0, c.length, 0f);
            checkRows("Gemm.matmul over a packed segment", false);
        }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    /** The scalar twin: slow, so one small shape at T = 1 and 8, one thread. */
    @State(Scope.Benchmark)
    public static class Scalar extends Operands {
        @Param({"1", "8"})
        public int T;
        @Param({"768x768"})
        public String shape;
        @Param({"1"})
        public int threads;

        @Override
        void params(int T, String shape, int threads) { this.T = T; this.shape = shape; this.threads = threads; }

        @Setup(Level.Trial)
        public void setup() {
            allocate(T, shape, threads, false);
            // the variant check is the other way round here: the fast kernel must agree with what is timed
            float[] fast = new float[c.length];
            Gemm.matmul(a, 0, t, k, b, bias, fast, 0);
            Gemm.matmulScalar(a, 0, t, k, b, bias, c, 0);
            Agreement.check("GemmBench: Gemm.matmul vs matmulScalar, T=" + t + " K=" + k + " N=" + n,
                    fast, 0, c, 0, c.length, 2e-6f * k);
        }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    /** The LM head as the model calls it: logits [T, V] = h [T, E] · wteᵀ, wte [V, E]. */
    @State(Scope.Benchmark)
    public static class LmHead extends Operands {
        @Param({"1", "8", "32", "128", "512"})
        public int T;
        @Param({"768x50257"})
        public String shape;
        @Param({"1", "2"})
        public int threads;

        @Override
        void params(int T, String shape, int threads) { this.T = T; this.shape = shape; this.threads = threads; }

        @Setup(Level.Trial)
        public void setup() {
            allocate(T, shape, threads, true);
            Gemm.matmulTransposed(a, 0, t, k, b, c, 0);
            checkRows("Gemm.matmulTransposed", true);
        }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    /**
     * The FMA-peak probe: each of {@code threads} threads runs {@link FmaPeak#rounds}, {@link FmaPeak#ROUNDS}
     * calls of {@link FmaPeak#chains} of {@link FmaPeak#STEPS} steps ({@link FmaPeak#ITERATIONS} in all).
     * Operands: a = b = 2^-10, chains starting at 1 … 12. Each chain c <- a·b + c moves up by exactly 2^-20 per
     * step, so a call's result is known exactly ({@link #timedSum}) and values stay finite and normal; a and b are
     * non-final fields so that C2 sees runtime values, not constants it could fold.
     */
    @State(Scope.Benchmark)
    public static class Peak {
        @Param({"1", "2"})
        public int threads;

        /**
         * Where in a BenchMain family this measurement sits: {@code start} (before the family's benchmarks) or
         * {@code end} (after them). The loop is the same; two measurements bracket the family, because this VM's
         * per-core speed drifts over the minutes a family runs.
         */
        @Param({"start", "end"})
        public String when;

        /** a·b = 2^-20: exact steps on values in [1, 16), so a call's result is known exactly (see {@link FmaPeak#chains}). */
        float a = 0x1p-10f;
        float b = 0x1p-10f;
        float c0 = 1f;
        int rounds = FmaPeak.ROUNDS;
        int steps = FmaPeak.STEPS;
        float[] perThread;    // [threads]: each thread's chain sum

        @Setup(Level.Trial)
        public void setup() {
            if (threads < 1) throw new IllegalArgumentException("GemmBench.fmaPeak param threads must be >= 1, got " + threads);
            if (!"start".equals(when) && !"end".equals(when))
                throw new IllegalArgumentException("GemmBench.fmaPeak param when must be start or end, got " + when);
            Parallel.setThreads(threads);
            perThread = new float[threads];
            int lanes = FmaPeak.lanes();
            // the loop does the work it is credited with: a = b = 1 adds exactly 1 per step (closed form). 2000
            // short calls also get chains() past C2's invocation threshold (600) before anything is timed
            for (int n = 0; n < 2000; n++) {
                int k = n % 16;
                float expected = timedSum(1f, 1f, 1f, k, lanes);
                float got = FmaPeak.chains(1f, 1f, 1f, k);
                if (got != expected)
                    throw new IllegalStateException("GemmBench.fmaPeak: chains(a=1, b=1, c0=1, " + k + ") = " + got
                            + ", expected " + expected + " (lanes=" + lanes + ")");
            }
            // the timed call does exactly its credited steps: every chain moves by a·b per step, exactly
            float timed = FmaPeak.chains(a, b, c0, steps);
            float expected = timedSum(a, b, c0, steps, lanes);
            if (timed != expected)
                throw new IllegalStateException("GemmBench.fmaPeak: chains(a=" + a + ", b=" + b + ", c0=" + c0 + ", "
                        + steps + ") = " + timed + ", expected " + expected + " (lanes=" + lanes + ")");
        }

        /** The closed form of {@code chains(a, b, c0, steps)}: lanes · Σ_j (c0 + j + steps·a·b). */
        static float timedSum(float a, float b, float c0, int steps, int lanes) {
            int n = FmaPeak.ACCUMULATORS;
            return lanes * (n * (c0 + steps * (a * b)) + n * (n - 1) / 2f);
        }
    }

    @Benchmark
    public float fmaPeak(Peak s) {
        float[] out = s.perThread;
        float a = s.a, b = s.b, c0 = s.c0;
        int rounds = s.rounds, steps = s.steps;
        // one index per thread; the calling (JMH) thread takes index 0, the kernels' pool the others
        Parallel.forRange(s.threads, 1, (start, end) -> {
            for (int i = start; i < end; i++) out[i] = FmaPeak.rounds(a, b, c0, rounds, steps);
        });
        float sum = 0f;
        for (float x : out) sum += x;
        return sum;
    }

    @Benchmark
    public float[] matmul(Fast s) {
        Gemm.matmul(s.a, 0, s.t, s.k, s.b, s.bias, s.c, 0);
        return s.c;
    }

    @Benchmark
    public float[] packedMatmul(Packed s) {
        Gemm.matmul(s.a, 0, s.t, s.k, s.b, null, s.packed, s.bias, s.c, 0);
        return s.c;
    }

    @Benchmark
    public float[] scalarMatmul(Scalar s) {
        Gemm.matmulScalar(s.a, 0, s.t, s.k, s.b, s.bias, s.c, 0);
        return s.c;
    }

    @Benchmark
    public float[] lmHead(LmHead s) {
        Gemm.matmulTransposed(s.a, 0, s.t, s.k, s.b, s.c, 0);
        return s.c;
    }
}
