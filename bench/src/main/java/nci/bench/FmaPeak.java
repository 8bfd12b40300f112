package nci.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import nci.tensor.VectorInfo;

/**
 * The FMA throughput a Java thread actually gets, measured rather than taken from the data sheet: on this
 * shared VM it moves between ~60 and ~87 GFLOP/s per core from one minute to the next, so the GEMM family
 * measures it in the same run ({@code GemmBench.fmaPeak}) and the GEMM figures are read as a fraction of it.
 *
 * <p>The loop is register-only: {@value #ACCUMULATORS} independent chains {@code c = c·a + b}, one vector
 * each, no loads or stores. An FMA on AVX2 has a latency of 4 cycles and there are two FMA pipes, so at
 * least 8 chains must be in flight to keep both pipes busy every cycle; 12 leaves a margin and, with the two
 * broadcast operands, uses 14 of AVX2's 16 vector registers (more would spill, i.e. add loads).
 *
 * <p>FLOPs: every iteration does {@value #ACCUMULATORS} FMAs of {@code lanes} lanes, 2 flops each.
 */
public final class FmaPeak {
    private FmaPeak() {}

    /**
     * The kernels' species. {@code VectorInfo.SPECIES} is package-private to {@code nci.tensor}; its public face
     * is {@link VectorInfo#lanes()}, and both are {@code SPECIES_PREFERRED}, which {@link #lanes()} holds it to.
     */
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Independent chains in flight (see the class doc: >= 8 needed on AVX2, <= 14 to stay in registers). */
    public static final int ACCUMULATORS = 12;

    /**
     * One op is {@value #ROUNDS} calls of {@link #chains} of {@value #STEPS} steps each, not one call of 2^23:
     * a Vector API loop that C2 enters by on-stack replacement keeps its vectors boxed (seen here: an OSR'd
     * call ran ~40x slower than the same method compiled normally, and was then deoptimised), and a method
     * called only once per op would reach a normal compile after ~600 ops. Many calls per op let every call
     * after the normal compile run the fast code. The per-call overhead (14 broadcasts, one reduction) is
     * ~1e-4 of a call's 12·2^16 FMAs.
     */
    public static final int ROUNDS = 128;
    /** Steps per call of {@link #chains} in the benchmark. */
    public static final int STEPS = 1 << 16;
    /**
     * Iterations per thread per benchmark op, {@value #ROUNDS} · {@value #STEPS} = 2^23: 2^23 · 12 chains · 8
     * lanes · 2 = 1.61 GFLOP per thread, ~20 ms at 80 GFLOP/s and ~27 ms at 60 (half that with 16 lanes on
     * AVX-512).
     */
    public static final int ITERATIONS = ROUNDS * STEPS;

    /** Lanes of {@link #SPECIES}; throws if it ever differs from the kernels' species. */
    public static int lanes() {
        int lanes = SPECIES.length();
        if (lanes != VectorInfo.lanes())
            throw new IllegalStateException("FmaPeak: species has " + lanes + " lanes but the kernels' (VectorInfo) has "
                    + VectorInfo.lanes());
        return lanes;
    }

    /** FLOPs of one op: threads · iterations · accumulators · lanes · 2. */
    public static double flopsPerOp(int threads, int iterations, int lanes) {
        if (threads < 1) throw new IllegalArgumentException("FmaPeak: threads must be >= 1, got " + threads);
        if (iterations < 0) throw new IllegalArgumentException("FmaPeak: iterations must be >= 0, got " + iterations);
        if (lanes < 1) throw new IllegalArgumentException("FmaPeak: lanes must be >= 1, got " + lanes);
        return 2.0 * threads * iterations * ACCUMULATORS * lanes;
    }

    /** {@link #flopsPerOp} of the benchmark's op ({@link #ITERATIONS} per thread), in GFLOP. */
    public static double gflopPerOp(int threads, int lanes) {
        return flopsPerOp(threads, ITERATIONS, lanes) / 1e9;
    }

    /** {@code rounds} calls of {@link #chains}{@code (a, b, c0, steps)}: the sum of their results. */
    public static float rounds(float a, float b, float c0, int rounds, int steps) {
        if (rounds < 0) throw new IllegalArgumentException("FmaPeak: rounds must be >= 0, got " + rounds);
        float sum = 0f;
        for (int r = 0; r < rounds; r++) sum += chains(a, b, c0, steps);
        return sum;
    }

    /**
     * Runs the {@value #ACCUMULATORS} chains {@code c_j <- c_j·a + b} (one fused FMA, one rounding) for
     * {@code iterations} steps, chain j starting at {@code c0 + j} in every lane, and returns the sum of every
     * lane of every chain (the caller returns it, so the JIT cannot drop the loop).
     *
     * <p>The chains start at different values on purpose: twelve chains with equal inputs would be the same
     * expression, and C2's value numbering may merge them into one, which would measure FMA latency instead of
     * throughput.
     *
     * <p>Closed forms (exact while every value stays below 2^24): a = 1, b = 1 gives {@code c0 + j + iterations}
     * per lane; a = 2, b = 0 gives {@code (c0 + j)·2^iterations}.
     */
    public static float chains(float a, float b, float c0, int iterations) {
        if (iterations < 0) throw new IllegalArgumentException("FmaPeak: iterations must be >= 0, got " + iterations);
        FloatVector va = FloatVector.broadcast(SPECIES, a);
        FloatVector vb = FloatVector.broadcast(SPECIES, b);
        FloatVector c00 = FloatVector.broadcast(SPECIES, c0);
        FloatVector c01 = FloatVector.broadcast(SPECIES, c0 + 1f);
        FloatVector c02 = FloatVector.broadcast(SPECIES, c0 + 2f);
        FloatVector c03 = FloatVector.broadcast(SPECIES, c0 + 3f);
        FloatVector c04 = FloatVector.broadcast(SPECIES, c0 + 4f);
        FloatVector c05 = FloatVector.broadcast(SPECIES, c0 + 5f);
        FloatVector c06 = FloatVector.broadcast(SPECIES, c0 + 6f);
        FloatVector c07 = FloatVector.broadcast(SPECIES, c0 + 7f);
        FloatVector c08 = FloatVector.broadcast(SPECIES, c0 + 8f);
        FloatVector c09 = FloatVector.broadcast(SPECIES, c0 + 9f);
        FloatVector c10 = FloatVector.broadcast(SPECIES, c0 + 10f);
        FloatVector c11 = FloatVector.broadcast(SPECIES, c0 + 11f);
        for (int i = 0; i < iterations; i++) {
            // x.fma(y, z) = x·y + z: the accumulator is the multiplicand, so |a| < 1 makes each chain a
            // contraction towards b / (1 - a) that cannot overflow however long it runs
            c00 = c00.fma(va, vb);
            c01 = c01.fma(va, vb);
            c02 = c02.fma(va, vb);
            c03 = c03.fma(va, vb);
            c04 = c04.fma(va, vb);
            c05 = c05.fma(va, vb);
            c06 = c06.fma(va, vb);
            c07 = c07.fma(va, vb);
            c08 = c08.fma(va, vb);
            c09 = c09.fma(va, vb);
            c10 = c10.fma(va, vb);
            c11 = c11.fma(va, vb);
        }
        FloatVector sum = c00.add(c01).add(c02).add(c03).add(c04).add(c05)
                .add(c06).add(c07).add(c08).add(c09).add(c10).add(c11);
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
