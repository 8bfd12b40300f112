package nci.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import nci.tensor.VectorInfo;

/**
 * The FMA throughput a Java thread actually gets, measured rather than taken from the data sheet: on this
 * shared VM it moves from one minute to the next (this loop: 89-97 GFLOP/s per core), so the GEMM and forward
 * families measure it in the same run, at their start and end ({@code GemmBench.fmaPeak}), and their figures are
 * read as a fraction of it.
 *
 * <p>The loop is register-only: {@value #ACCUMULATORS} independent chains {@code c = a·b + c}, one vector
 * each, no loads or stores. The accumulator is the addend, as in the GEMM's micro-kernels: x86's
 * {@code vfmadd231ps} updates its addend in place, so each step is one instruction. With the accumulator as a
 * multiplicand ({@code c = c·a + b}, this probe's first form) C2 adds a register copy to every FMA, and the
 * probe under-measured: 76-82 against 95-97 GFLOP/s for the addend form in the same minute, when a C loop of
 * {@code _mm256_fmadd_ps} measured 92-97.
 *
 * <p>An FMA on AVX2 has a latency of 4 cycles and there are two FMA pipes, so at least 8 chains must be in
 * flight to keep both pipes busy every cycle; 12 leaves a margin and, with the two broadcast operands, uses 14
 * of AVX2's 16 vector registers (more would spill, i.e. add loads).
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
     * lanes · 2 = 1.61 GFLOP per thread, ~17 ms at the 94 GFLOP/s measured here (half that with 16 lanes on
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
     * Runs the {@value #ACCUMULATORS} chains {@code c_j <- a·b + c_j} (one fused FMA, one rounding) for
     * {@code iterations} steps, chain j starting at {@code c0 + j} in every lane, and returns the sum of every
     * lane of every chain (the caller returns it, so the JIT cannot drop the loop).
     *
     * <p>The chains start at different values on purpose: twelve chains with equal inputs would be the same
     * expression, and C2's value numbering may merge them into one, which would measure FMA latency instead of
     * throughput.
     *
     * <p>Closed form: {@code c0 + j + iterations·a·b} per lane, exact while every step is (e.g. a = 1, b = 1 below
     * 2^24, or the benchmark's a·b = 2^-20 on values below 16).
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
            // x.fma(y, z) = x·y + z: the accumulator is the addend (vfmadd231ps, updated in place)
            c00 = va.fma(vb, c00);
            c01 = va.fma(vb, c01);
            c02 = va.fma(vb, c02);
            c03 = va.fma(vb, c03);
            c04 = va.fma(vb, c04);
            c05 = va.fma(vb, c05);
            c06 = va.fma(vb, c06);
            c07 = va.fma(vb, c07);
            c08 = va.fma(vb, c08);
            c09 = va.fma(vb, c09);
            c10 = va.fma(vb, c10);
            c11 = va.fma(vb, c11);
        }
        FloatVector sum = c00.add(c01).add(c02).add(c03).add(c04).add(c05)
                .add(c06).add(c07).add(c08).add(c09).add(c10).add(c11);
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
