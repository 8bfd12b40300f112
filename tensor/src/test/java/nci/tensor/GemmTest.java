package nci.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemm's vector path against its scalar twin. matmul: both compute c = bias, then c = fma(a, b, c) in increasing p,
 * so they must agree bit for bit, and the scalar twin is held to a double-precision reference within
 * 2·(√k + 1)·eps·(Σ_p |a_ip|·|b_pj| + |bias_j|), eps = 2⁻²³. matmulTransposed sums in another (lane-blocked)
 * order than its scalar twin, so there the same tolerance applies between the two.
 */
class GemmTest {
    private static final int L = VectorInfo.lanes();
    private static final int INITIAL_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() { Parallel.setThreads(INITIAL_THREADS); }

    static Stream<Arguments> shapes() {
        List<Arguments> s = new ArrayList<>();
        int[][] mnk = {
                {0, 17, 5}, {3, 0, 5}, {3, 5, 0}, {1, 1, 1}, {1, L - 1, L + 1}, {4, L + 1, L - 1},
                {2, 15, 3}, {3, 17, 1}, {5, Gemm.NR + 1, Gemm.KC + 1}, {7, 767, 64}, {5, 767, 767},
                {9, 3073, 40}, {70, 300, 300}, {1, 1, 3073}, {130, 2 * Gemm.NC + 5, 33},
                // B read unpacked (up to DIRECT_M rows of a native B), packed as KC-deep row copies or as whole-k
                // panels (from WHOLE_MIN_M rows, up to WHOLE_MAX_N columns), edge panels included; several A chunks
                {Gemm.DIRECT_M, 3 * Gemm.NR + 5, Gemm.KC + 3}, {Gemm.DIRECT_M + 1, 3 * Gemm.NR + 5, Gemm.KC + 3},
                // rows longer than WHOLE_MAX_N: read in place up to DIRECT_WIDE_M rows, copied above
                {Gemm.DIRECT_WIDE_M, Gemm.WHOLE_MAX_N + 7, 9}, {Gemm.DIRECT_WIDE_M + 1, Gemm.WHOLE_MAX_N + 7, 9},
                {Gemm.WHOLE_MIN_M - 1, Gemm.NC + Gemm.NR + 3, Gemm.KC + 9}, {Gemm.WHOLE_MIN_M, Gemm.NC + Gemm.NR + 3, Gemm.KC + 9},
                {Gemm.WHOLE_MIN_M, Gemm.WHOLE_MAX_N + 5, 20},
                {Gemm.MC + 3, 2 * Gemm.NR, 7}, {Gemm.MCHUNK + 45, 37, 20},
                // AVX2's blocks: two of NARROW_NC columns, the second with an edge panel; three k slices; two MC groups
                {Gemm.MC + 5, Gemm.NARROW_NC + Gemm.NR + 3, 2 * Gemm.KC + 7},
                // AVX2 per call from NARROW_WHOLE_M rows: whole-k panels up to SLICE_K deep, then two k slices
                {Gemm.NARROW_WHOLE_M, 3 * Gemm.NR + 5, Gemm.SLICE_K}, {Gemm.NARROW_WHOLE_M, 3 * Gemm.NR + 5, Gemm.SLICE_K + 1},
                // ... packed PANEL_GROUP panels at a time: two whole groups, then a whole panel and an edge panel;
                // whole-k, and in three k slices of unequal depth
                {Gemm.NARROW_WHOLE_M, 2 * Gemm.PANEL_GROUP * Gemm.NR + Gemm.NR + 5, 40},
                {Gemm.NARROW_WHOLE_M, 2 * Gemm.PANEL_GROUP * Gemm.NR + Gemm.NR + 5, 2 * Gemm.SLICE_K + 5},
                // ... and from NARROW_WIDE_WHOLE_M rows for B rows longer than WHOLE_MAX_N (blocks below)
                {Gemm.NARROW_WIDE_WHOLE_M - 1, Gemm.WHOLE_MAX_N + 5, 20}, {Gemm.NARROW_WIDE_WHOLE_M, Gemm.WHOLE_MAX_N + 5, 20},
        };
        for (int[] x : mnk) {
            s.add(Arguments.of(x[0], x[1], x[2], true));
            s.add(Arguments.of(x[0], x[1], x[2], false));
        }
        return s.stream();
    }

    /** A [rows, cols] Mat over native memory at a byte address 3 past an aligned base plus 5 floats: unaligned on purpose. */
    static Mat unalignedMat(float[] values, int rows, int cols) {
        MemorySegment seg = Arena.ofAuto().allocate((values.length + 8L) * Float.BYTES + 3).asSlice(3);
        for (int i = 0; i < values.length; i++) seg.setAtIndex(Mat.FLOAT, 5 + i, values[i]);
        return new Mat(seg, 5, rows, cols);
    }

    /** Tolerance from Σ|a||b| (+|bias|), as stated in the class doc. */
    static Check.Tol tol(float[] a, int aOff, int m, int k, float[] bKN, int n, float[] bias) {
        double[] mag = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) {
                double av = Math.abs(a[aOff + i * k + p]);
                for (int j = 0; j < n; j++) mag[i * n + j] += av * Math.abs(bKN[p * n + j]);
            }
        double f = 2 * (Math.sqrt(k) + 1) * Check.EPS;
        return (idx, ref) -> f * (mag[idx] + (bias == null ? 0 : Math.abs(bias[idx % n]))) + Float.MIN_NORMAL;
    }

    @ParameterizedTest(name = "matmul m={0} n={1} k={2} bias={3}")
    @MethodSource("shapes")
    void matmulVectorMatchesScalar(int m, int n, int k, boolean withBias) {
        long seed = 31L * m + 17L * n + k;
        int aOff = 3;
        float[] a = Check.gaussian(seed, aOff + m * k, 1f);
        float[] bv = Check.gaussian(seed + 1, k * n, 1f);
        float[] bias = withBias ? Check.gaussian(seed + 2, n, 0.5f) : null;
        Mat b = unalignedMat(bv, k, n);
        int cOff = 2;
        float[] ref = new float[cOff + m * n + 1], got = new float[cOff + m * n + 1];
        java.util.Arrays.fill(ref, 42f);
        java.util.Arrays.fill(got, 42f);
        Gemm.matmulScalar(a, aOff, m, k, b, bias, ref, cOff);
        Gemm.matmulVector(a, aOff, m, k, b, bias, got, cOff);
        float[] exact = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double sum = bias == null ? 0 : bias[j];
                for (int p = 0; p < k; p++) sum += (double) a[aOff + i * k + p] * bv[p * n + j];
                exact[i * n + j] = (float) sum;
            }
        Check.close("matmul scalar c vs double reference", exact, 0, ref, cOff, m * n, tol(a, aOff, m, k, bv, n, bias));
        Check.sameBits("matmul vector c vs scalar c", ref, got);
        // nothing written outside c[cOff, cOff + m*n)
        assertTrue(got[0] == 42f && got[1] == 42f && got[cOff + m * n] == 42f, "matmul wrote outside c");
    }

    @ParameterizedTest(name = "matmulTransposed m={0} n={1} k={2}")
    @MethodSource("shapes")
    void matmulTransposedVectorMatchesScalar(int m, int n, int k, boolean heapMat) {
        long seed = 7L * m + 5L * n + k;
        float[] a = Check.gaussian(seed, m * k, 1f);
        float[] btv = Check.gaussian(seed + 1, n * k, 1f);
        Mat bt = heapMat ? Mat.of(btv, n, k) : unalignedMat(btv, n, k);
        float[] ref = new float[m * n], got = new float[m * n];
        Gemm.matmulTransposedScalar(a, 0, m, k, bt, ref, 0);
        Gemm.matmulTransposedVector(a, 0, m, k, bt, got, 0);
        float[] bKN = new float[k * n];
        for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) bKN[p * n + j] = btv[j * k + p];
        Check.close("matmulTransposed c", ref, got, tol(a, 0, m, k, bKN, n, null));
    }

    /** The LM-head shape: n = 50257 (not a multiple of any lane count), small m, k = 32..64. */
    @Test
    void lmHeadShape() {
        int n = 50257;
        for (int[] mk : new int[][] {{1, 32}, {3, 64}, {5, 48}}) {
            int m = mk[0], k = mk[1];
            float[] a = Check.gaussian(m, m * k, 1f);
            float[] wte = Check.gaussian(k, n * k, 0.5f);
            Mat bt = unalignedMat(wte, n, k);
            float[] ref = new float[m * n], got = new float[m * n];
            Gemm.matmulTransposedScalar(a, 0, m, k, bt, ref, 0);
            Gemm.matmulTransposedVector(a, 0, m, k, bt, got, 0);
            float[] bKN = new float[k * n];
            for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) bKN[p * n + j] = wte[j * k + p];
            Check.close("lm head m=" + m + " k=" + k, ref, got, tol(a, 0, m, k, bKN, n, null));

            // and the [k, n] form through matmul, with bias
            float[] bias = Check.gaussian(99, n, 0.1f);
            Mat b = unalignedMat(bKN, k, n);
            Gemm.matmulScalar(a, 0, m, k, b, bias, ref, 0);
            Gemm.matmulVector(a, 0, m, k, b, bias, got, 0);
            Check.close("matmul n=50257 m=" + m + " k=" + k, ref, got, tol(a, 0, m, k, bKN, n, bias));
        }
    }

    @Test
    void knownProduct() {
        float[] a = {1, 2, 3, 4, 5, 6};            // [2, 3]
        Mat b = Mat.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2); // [3, 2]
        float[] c = new float[4];
        Gemm.matmulVector(a, 0, 2, 3, b, new float[] {10, 20}, c, 0);
        assertArrayEquals(new float[] {1 + 3 + 10, 2 + 3 + 20, 4 + 6 + 10, 5 + 6 + 20}, c);
        Mat bt = Mat.of(new float[] {1, 0, 1, 0, 1, 1}, 2, 3); // bᵀ
        Gemm.matmulTransposedVector(a, 0, 2, 3, bt, c, 0);
        assertArrayEquals(new float[] {4, 5, 10, 11}, c);
        // k = 0: the empty sum leaves the bias
        Gemm.matmulVector(new float[0], 0, 2, 0, Mat.of(new float[0], 0, 2), new float[] {7, 8}, c, 0);
        assertArrayEquals(new float[] {7, 8, 7, 8}, c);
    }

    /**
     * Bit-identical results for thread counts 1 and 2, per-call and over packed panels: row-split (also with an odd
     * last bt row), column-split and single-row (GEMV) shapes; with two threads A's row tiles are packed between them
     * ({@code Gemm.shareProduct}: one piece at m = 6, four at m = 64 and 1200). At n = 768 two threads split B into
     * pieces narrower than a block, whose packing reads rows ahead ({@code Gemm.touch}, both packing layouts: m = 64
     * and m = 8), and one thread does not. On AVX2 per call, NARROW_WHOLE_M rows and k deeper than SLICE_K take k
     * slices, whose bits must equal those of whole panels over the packed B.
     */
    @Test
    void threadCountDoesNotChangeBits() {
        // the first three are large enough for two threads under either threshold (Gemm.PARALLEL_MIN_FLOPS)
        for (int[] mnk : new int[][] {{1200, 40, 300}, {1200, 41, 300}, {6, 3073, 1200}, {64, 768, 768}, {8, 768, 3072},
                {Gemm.NARROW_WHOLE_M, 200, 2 * Gemm.SLICE_K + 5}, {1, 3073, 300}}) {
            int m = mnk[0], n = mnk[1], k = mnk[2];
            float[] a = Check.gaussian(1, m * k, 1f);
            Mat b = unalignedMat(Check.gaussian(2, k * n, 1f), k, n);
            Mat bt = unalignedMat(Check.gaussian(3, k * n, 1f), n, k);
            float[] bias = Check.gaussian(4, n, 1f);
            Gemm.PackedB packed = Gemm.pack(b);
            float[] c1 = new float[m * n], c2 = new float[m * n], t1 = new float[m * n], t2 = new float[m * n];
            float[] p1 = new float[m * n], p2 = new float[m * n];
            Parallel.setThreads(1);
            Gemm.matmulVector(a, 0, m, k, b, bias, c1, 0);
            Gemm.matmulTransposedVector(a, 0, m, k, bt, t1, 0);
            Gemm.matmul(a, 0, m, k, packed, bias, p1, 0);
            Parallel.setThreads(2);
            Gemm.matmulVector(a, 0, m, k, b, bias, c2, 0);
            Gemm.matmulTransposedVector(a, 0, m, k, bt, t2, 0);
            Gemm.matmul(a, 0, m, k, packed, bias, p2, 0);
            if (m > 1) assertTrue(2L * m * n * k >= Gemm.PARALLEL_MIN_FLOPS, m + "x" + n + "x" + k + " would not use two threads");
            Check.sameBits("matmul threads 1 vs 2, " + m + "x" + n + "x" + k, c1, c2);
            Check.sameBits("matmulTransposed threads 1 vs 2, " + m + "x" + n + "x" + k, t1, t2);
            Check.sameBits("packed matmul threads 1 vs 2, " + m + "x" + n + "x" + k, p1, p2);
            Check.sameBits("packed vs per-call matmul, " + m + "x" + n + "x" + k, c1, p1);
        }
    }

    /** k slices: none up to SLICE_K, then as even as they go, each at most SLICE_K deep (3072: four of 768). */
    @Test
    void sliceDepths() {
        assertEquals(1, Gemm.sliceDepth(1));
        assertEquals(Gemm.SLICE_K, Gemm.sliceDepth(Gemm.SLICE_K));
        assertEquals((Gemm.SLICE_K + 2) / 2, Gemm.sliceDepth(Gemm.SLICE_K + 1));
        assertEquals(Gemm.SLICE_K, Gemm.sliceDepth(4 * Gemm.SLICE_K));
        for (int k = 1; k <= 5 * Gemm.SLICE_K; k++) {
            int d = Gemm.sliceDepth(k), slices = (k + d - 1) / d;
            assertTrue(d <= Gemm.SLICE_K && slices == (k + Gemm.SLICE_K - 1) / Gemm.SLICE_K && k - (slices - 1) * d >= d - slices,
                    "k = " + k + ": depth " + d);
        }
    }

    /** A single row big enough (>= 2^25 flops) for the GEMV to be split over threads: same bits as 1 thread and as the scalar twin. */
    @Test
    void bigSingleRowSplitOverThreads() {
        int k = 768, n = 21846; // 2·k·n just above 2^25
        float[] a = Check.gaussian(31, k, 1f);
        Mat b = Mat.of(Check.gaussian(32, k * n, 1f), k, n);
        float[] bias = Check.gaussian(33, n, 1f);
        float[] c1 = new float[n], c2 = new float[n], ref = new float[n];
        Parallel.setThreads(1);
        Gemm.matmulVector(a, 0, 1, k, b, bias, c1, 0);
        Parallel.setThreads(2);
        Gemm.matmulVector(a, 0, 1, k, b, bias, c2, 0);
        Gemm.matmulScalar(a, 0, 1, k, b, bias, ref, 0);
        Check.sameBits("matmul m=1 n=" + n + " threads 1 vs 2", c1, c2);
        Check.sameBits("matmul m=1 n=" + n + " vector vs scalar", ref, c1);
    }

    /**
     * Rows computed alone (any subrange, any m) equal the same rows of a full-batch product, bit for bit: this also
     * holds the single-row GEMV path to the packed micro-kernels' order (several k slices, bias, a column tail).
     */
    @Test
    void rowsAreIndependentOfBatch() {
        int m = 37, n = 3 * Gemm.NR + 5, k = Gemm.KC + 70;
        float[] a = Check.gaussian(5, m * k, 1f);
        Mat b = unalignedMat(Check.gaussian(6, k * n, 1f), k, n);
        Mat bt = unalignedMat(Check.gaussian(7, k * n, 1f), n, k);
        float[] bias = Check.gaussian(8, n, 1f);
        float[] full = new float[m * n], fullT = new float[m * n];
        Gemm.matmulVector(a, 0, m, k, b, bias, full, 0);
        Gemm.matmulTransposedVector(a, 0, m, k, bt, fullT, 0);
        for (int[] r : new int[][] {{0, 1}, {36, 37}, {5, 8}, {1, 3}, {10, 30}}) {
            int rows = r[1] - r[0];
            float[] part = new float[rows * n], partT = new float[rows * n];
            Gemm.matmulVector(a, r[0] * k, rows, k, b, bias, part, 0);
            Gemm.matmulTransposedVector(a, r[0] * k, rows, k, bt, partT, 0);
            Check.sameBits("matmul rows " + r[0] + ".." + r[1], java.util.Arrays.copyOfRange(full, r[0] * n, r[1] * n), part);
            Check.sameBits("matmulTransposed rows " + r[0] + ".." + r[1], java.util.Arrays.copyOfRange(fullT, r[0] * n, r[1] * n), partT);
        }
    }

    /**
     * The same across the driver's internal boundaries: rows alone, in a batch small enough to read B unpacked, in
     * one that packs B per call, and in one of several A chunks all give the same bits for a row.
     */
    @Test
    void rowsAreIndependentOfPackingAndChunks() {
        int m = Gemm.MCHUNK + 45, n = 3 * Gemm.NR + 5, k = Gemm.KC + 70;
        float[] a = Check.gaussian(21, m * k, 1f);
        Mat b = unalignedMat(Check.gaussian(22, k * n, 1f), k, n);
        float[] bias = Check.gaussian(23, n, 1f);
        float[] full = new float[m * n];
        Gemm.matmulVector(a, 0, m, k, b, bias, full, 0);
        for (int[] r : new int[][] {{0, 1}, {0, 2}, {3, 3 + Gemm.DIRECT_M}, {3, 4 + Gemm.DIRECT_M}, {5, 300}, {0, Gemm.WHOLE_MIN_M}, {m - 51, m}, {m - 2, m}}) {
            int rows = r[1] - r[0];
            float[] part = new float[rows * n];
            Gemm.matmulVector(a, r[0] * k, rows, k, b, bias, part, 0);
            Check.sameBits("matmul rows " + r[0] + ".." + r[1] + " of " + m, java.util.Arrays.copyOfRange(full, r[0] * n, r[1] * n), part);
        }
    }

    /**
     * The row tiles cover the rows in order without gaps, full tiles first, none taller than the tile height. Once
     * there is a full tile, a remainder of {@code fold} to 3 rows is folded with the tile before it into two tiles of
     * at least 3 rows, the larger first, and any other remainder is a tile of its own: for the AVX2 height (6) and
     * the AVX-512 one (7), every fold. This machine's product tiles fold 3 rows only on AVX2 (1 to 3 on AVX-512), its
     * dot tiles 1 to 3 (the dot kernels take 3 rows or more).
     */
    @Test
    void rowTilesCoverTheRows() {
        for (int mr : new int[] {6, 7})
            for (int fold = 1; fold <= 4; fold++)
                for (int rows = 1; rows <= 3 * Gemm.MCHUNK + 7; rows++) {
                    int[] start = Gemm.tiles(rows, mr, fold);
                    String what = rows + " rows in tiles of " + mr + ", folding from " + fold;
                    int count = start.length - 1, r = rows % mr;
                    assertEquals(0, start[0], "first tile of " + what);
                    assertEquals(rows, start[count], "end of the tiles of " + what);
                    assertEquals((rows + mr - 1) / mr, count, "tile count of " + what);
                    for (int t = 0; t + 2 < count; t++) assertEquals(mr, start[t + 1] - start[t], "tile " + t + " of " + what);
                    int last = start[count] - start[count - 1];
                    if (count >= 2 && r >= fold && r < 4) {
                        int before = start[count - 1] - start[count - 2];
                        assertEquals(mr + r, before + last, "the last two tiles of " + what);
                        assertTrue(last >= 3 && before >= last && before <= mr, "the last two tiles of " + what + ": " + before + " + " + last);
                    } else {
                        if (count >= 2) assertEquals(mr, start[count - 1] - start[count - 2], "the tile before the last of " + what);
                        assertEquals(r == 0 ? Math.min(rows, mr) : r, last, "the last tile of " + what);
                    }
                }
        for (int rows : new int[] {8, 29, 32, 127, 128})
            assertArrayEquals(Gemm.tiles(rows, Gemm.MR, Gemm.WIDE ? 1 : 3), Gemm.tiles(rows), "tiles of " + rows + " rows");
        if (!Gemm.WIDE) {
            assertArrayEquals(new int[] {0, 6, 12, 18, 24, 30, 32}, Gemm.tiles(32));
            assertArrayEquals(new int[] {0, 6, 12, 18, 24, 28, 32}, Gemm.dotTiles(32));
        }
        for (int rows = 4; rows <= 3 * Gemm.MCHUNK; rows++) {
            int[] start = Gemm.dotTiles(rows);
            for (int t = 0; t + 1 < start.length; t++)
                assertTrue(start[t + 1] - start[t] >= 3, "dot tile " + t + " of " + rows + " rows is under 3 rows");
        }
        assertArrayEquals(new int[] {0, 6, 8}, Gemm.tiles(8, 6, 3));
        assertArrayEquals(new int[] {0, 6, 7}, Gemm.tiles(7, 6, 3));
        assertArrayEquals(new int[] {0, 5, 9}, Gemm.tiles(9, 6, 3));
        assertArrayEquals(new int[] {0, 6, 12, 13}, Gemm.tiles(13, 6, 3));
        assertArrayEquals(new int[] {0, 4, 8}, Gemm.tiles(8, 6, 1));
        assertArrayEquals(new int[] {0, 6, 10, 13}, Gemm.tiles(13, 6, 1));
        assertArrayEquals(new int[] {0, 5}, Gemm.tiles(5, 6, 3));
        assertArrayEquals(new int[] {0, 4, 8}, Gemm.tiles(8, 7, 1));
        assertArrayEquals(new int[] {0, 5, 9}, Gemm.tiles(9, 7, 1));
        assertArrayEquals(new int[] {0, 5, 10}, Gemm.tiles(10, 7, 1));
        assertArrayEquals(new int[] {0, 7, 11}, Gemm.tiles(11, 7, 1));
        assertArrayEquals(new int[] {0, 7, 14, 19, 24}, Gemm.tiles(24, 7, 1));
    }

    /** B is read in place only when native: up to DIRECT_M rows, or DIRECT_WIDE_M for rows longer than WHOLE_MAX_N. */
    @Test
    void whereBIsReadInPlace() {
        Mat nativeB = unalignedMat(new float[8 * 768], 8, 768), heapB = Mat.of(new float[8 * 768], 8, 768);
        Mat wideB = unalignedMat(new float[8 * (Gemm.WHOLE_MAX_N + 1)], 8, Gemm.WHOLE_MAX_N + 1);
        for (int rows = 1; rows <= Gemm.DIRECT_M + 1; rows++) {
            assertEquals(rows <= Gemm.DIRECT_M, Gemm.direct(nativeB, rows, 768), "native B, " + rows + " rows");
            assertEquals(rows <= Gemm.DIRECT_WIDE_M, Gemm.direct(wideB, rows, Gemm.WHOLE_MAX_N + 1), "B wider than WHOLE_MAX_N, " + rows + " rows");
            assertFalse(Gemm.direct(heapB, rows, 768), "heap B, " + rows + " rows");
        }
    }

    /** Every tile height and tail shape (m = 1..2·MR+3; per-call and packed-once B) gives the scalar bits. */
    @Test
    void everyTileShapeMatchesScalar() {
        int n = 2 * Gemm.NR + 3, k = Gemm.KC + 5;
        Mat b = unalignedMat(Check.gaussian(41, k * n, 1f), k, n);
        Gemm.PackedB packed = Gemm.pack(b);
        float[] bias = Check.gaussian(42, n, 1f);
        for (int m = 1; m <= 2 * Gemm.MR + 3; m++) {
            float[] a = Check.gaussian(43 + m, m * k, 1f);
            float[] ref = new float[m * n], got = new float[m * n], pre = new float[m * n];
            Gemm.matmulScalar(a, 0, m, k, b, bias, ref, 0);
            Gemm.matmulVector(a, 0, m, k, b, bias, got, 0);
            Gemm.matmul(a, 0, m, k, packed, bias, pre, 0);
            Check.sameBits("matmul m=" + m, ref, got);
            Check.sameBits("packed matmul m=" + m, ref, pre);
        }
    }

    /**
     * matmulTransposed: every row-tile plan (m = 1..2·MR+3), with and without a k tail, an odd last bt row and a
     * partial bt block, on one and two threads (split over bt blocks from m = 11, or 9 at k = 517), gives each row the bits of that row computed alone (the 1 x 2 path
     * straight from the segment), and those within the scalar's error bound.
     */
    @Test
    void everyDotTileShapeMatchesSingleRows() {
        int n = 40 * 48 + 7;                       // 40 whole bt blocks and a partial one with an odd last row
        for (int k : new int[] {96, 101, 517}) {   // 517: two threads split bt blocks from m = 9 under either threshold
            float[] btv = Check.gaussian(51 + k, n * k, 1f);
            Mat bt = unalignedMat(btv, n, k);
            float[] bKN = new float[k * n];
            for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) bKN[p * n + j] = btv[j * k + p];
            for (int m = 1; m <= 2 * Gemm.MR + 3; m++) {
                float[] a = Check.gaussian(60 + m, m * k, 1f);
                float[] alone = new float[m * n], ref = new float[m * n];
                for (int i = 0; i < m; i++) {
                    float[] row = new float[n];
                    Gemm.matmulTransposedVector(a, i * k, 1, k, bt, row, 0);
                    System.arraycopy(row, 0, alone, i * n, n);
                }
                Gemm.matmulTransposedScalar(a, 0, m, k, bt, ref, 0);
                Check.close("matmulTransposed m=" + m + " k=" + k + " vs scalar", ref, alone, tol(a, 0, m, k, bKN, n, null));
                for (int threads : new int[] {1, 2}) {
                    Parallel.setThreads(threads);
                    float[] got = new float[m * n];
                    Gemm.matmulTransposedVector(a, 0, m, k, bt, got, 0);
                    Check.sameBits("matmulTransposed m=" + m + " k=" + k + " threads=" + threads + " vs rows alone", alone, got);
                }
            }
        }
    }

    /** More rows than one packed chunk (MCHUNK), with a last chunk of 1..4 rows: the same bits as rows alone. */
    @Test
    void dotRowsAcrossChunks() {
        int k = 24, n = 7;
        Mat bt = unalignedMat(Check.gaussian(70, n * k, 1f), n, k);
        for (int m = Gemm.MCHUNK + 1; m <= Gemm.MCHUNK + 4; m++) {
            float[] a = Check.gaussian(71 + m, m * k, 1f);
            float[] got = new float[m * n];
            Gemm.matmulTransposedVector(a, 0, m, k, bt, got, 0);
            for (int i : new int[] {0, Gemm.MCHUNK - 1, Gemm.MCHUNK, m - 1}) {
                float[] row = new float[n];
                Gemm.matmulTransposedVector(a, i * k, 1, k, bt, row, 0);
                Check.sameBits("matmulTransposed m=" + m + " row " + i, row, java.util.Arrays.copyOfRange(got, i * n, (i + 1) * n));
            }
        }
    }

    /** Repeated calls give the same bits (packing buffers are reused, never leak state between calls). */
    @Test
    void repeatable() {
        int m = 9, n = 500, k = 300;
        float[] a = Check.gaussian(11, m * k, 1f);
        Mat b = Mat.of(Check.gaussian(12, k * n, 1f), k, n);
        float[] c1 = new float[m * n], c2 = new float[m * n];
        Gemm.matmulVector(a, 0, m, k, b, null, c1, 0);
        Gemm.matmulVector(a, 0, 3, 40, Mat.of(Check.gaussian(13, 40 * 7, 1f), 40, 7), null, new float[21], 0);
        Gemm.matmulVector(a, 0, m, k, b, null, c2, 0);
        Check.sameBits("matmul repeated", c1, c2);
    }

    @Test
    void badShapesAreRejected() {
        Mat b = Mat.of(new float[6], 3, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> Gemm.matmulVector(new float[8], 0, 2, 4, b, null, new float[4], 0));
        assertTrue(e.getMessage().contains("inner dimensions"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Gemm.matmulVector(new float[6], 0, 2, 3, b, null, new float[3], 0));
        assertTrue(e.getMessage().contains("c too small"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Gemm.matmulVector(new float[6], 0, 2, 3, b, new float[1], new float[4], 0));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Gemm.matmulTransposedVector(new float[6], 0, 2, 3, b, new float[9], 0));
        assertTrue(e.getMessage().contains("bt"), e.getMessage());
    }
}
