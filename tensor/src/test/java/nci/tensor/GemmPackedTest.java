package nci.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Gemm#pack} and the product over a {@link Gemm.PackedB}: the same bits as the product over the {@link Mat} it
 * was packed from (in native memory, and on the heap), for every shape of {@link GemmTest#shapes} (edges, both
 * per-call packings, several A chunks), with one and two threads; and the packed layout itself.
 */
class GemmPackedTest {
    private static final int INITIAL_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() { Parallel.setThreads(INITIAL_THREADS); }

    @ParameterizedTest(name = "packed m={0} n={1} k={2} bias={3}")
    @MethodSource("nci.tensor.GemmTest#shapes")
    void packedGivesTheSameBitsAsMat(int m, int n, int k, boolean withBias) {
        long seed = 13L * m + 7L * n + k;
        int aOff = 1, cOff = 3;
        float[] a = Check.gaussian(seed, aOff + m * k, 1f);
        float[] bv = Check.gaussian(seed + 1, k * n, 1f);
        float[] bias = withBias ? Check.gaussian(seed + 2, n, 0.5f) : null;
        Mat b = GemmTest.unalignedMat(bv, k, n);
        Gemm.PackedB packed = Gemm.pack(b);
        Gemm.PackedSegment mapped = segment(packed);
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            float[] ref = new float[cOff + m * n + 1], got = new float[cOff + m * n + 1], seg = new float[cOff + m * n + 1];
            Arrays.fill(ref, 42f);
            Arrays.fill(got, 42f);
            Arrays.fill(seg, 42f);
            Gemm.matmul(a, aOff, m, k, b, bias, ref, cOff);
            Gemm.matmul(a, aOff, m, k, packed, bias, got, cOff);
            Gemm.matmul(a, aOff, m, k, mapped, bias, seg, cOff);
            Check.sameBits("packed vs Mat product, threads=" + threads, ref, got);
            // a heap B is always copied before the kernels read it; a native one can be read unpacked (DIRECT_M)
            float[] heap = new float[cOff + m * n + 1];
            Arrays.fill(heap, 42f);
            Gemm.matmul(a, aOff, m, k, Mat.of(bv, k, n), bias, heap, cOff);
            Check.sameBits("heap Mat vs native Mat product, threads=" + threads, ref, heap);
            Check.sameBits("packed segment vs Mat product, threads=" + threads, ref, seg);
            for (int v = 0; v < 2; v++) {             // b with a copy beside it (a single row streams b)
                float[] both = new float[cOff + m * n + 1];
                Arrays.fill(both, 42f);
                Gemm.matmul(a, aOff, m, k, b, v == 0 ? packed : null, v == 1 ? mapped : null, bias, both, cOff);
                Check.sameBits("Mat with its " + (v == 0 ? "packed" : "segment") + " copy vs Mat product, threads=" + threads, ref, both);
            }
        }
    }

    /** Big enough that the product is split over threads by column blocks, by panels and (m = 1) as one row. */
    @Test
    void splitOverThreadsGivesTheSameBits() {
        for (int[] mnk : new int[][] {{1, 3 * Gemm.NC + 7, 300}, {40, 3 * Gemm.NC, 200}, {70, 5 * Gemm.NR, 700}, {200, 40, 300},
                {20, Gemm.NARROW_NC + 2 * Gemm.NR + 5, Gemm.KC + 40}}) {
            int m = mnk[0], n = mnk[1], k = mnk[2];
            float[] a = Check.gaussian(m, m * k, 1f), bias = Check.gaussian(n, n, 1f);
            Mat b = Mat.of(Check.gaussian(k, k * n, 1f), k, n);
            Gemm.PackedB packed = Gemm.pack(b);
            Parallel.setThreads(1);
            float[] ref = new float[m * n];
            Gemm.matmul(a, 0, m, k, b, bias, ref, 0);
            Parallel.setThreads(2);
            float[] got = new float[m * n];
            Gemm.matmul(a, 0, m, k, packed, bias, got, 0);
            Check.sameBits("packed on 2 threads vs Mat on 1, m=" + m + " n=" + n + " k=" + k, ref, got);
            float[] seg = new float[m * n];
            Gemm.matmul(a, 0, m, k, segment(packed), bias, seg, 0);
            Check.sameBits("packed segment on 2 threads vs Mat on 1, m=" + m + " n=" + n + " k=" + k, ref, seg);
        }
    }

    @Test
    void layoutIsOnePanelPerNrColumnsZeroPadded() {
        int k = 3, n = Gemm.NR + 3, nr = Gemm.NR;
        float[] bv = new float[k * n];
        for (int i = 0; i < bv.length; i++) bv[i] = i + 1;                  // b[p, j] = p*n + j + 1, never 0
        Gemm.PackedB packed = Gemm.pack(Mat.of(bv, k, n));
        assertEquals(k, packed.rows());
        assertEquals(n, packed.cols());
        assertEquals(2L * nr * k, Gemm.packedFloats(k, n));
        assertEquals(2L * nr * k * Float.BYTES, packed.data().byteSize());
        assertEquals(2L * nr * k * Float.BYTES, packed.bytes());
        for (int jp = 0; jp < 2; jp++)
            for (int p = 0; p < k; p++)
                for (int q = 0; q < nr; q++) {
                    int j = jp * nr + q;
                    float want = j < n ? bv[p * n + j] : 0f;
                    assertEquals(want, packed.data().getAtIndex(Mat.FLOAT, (jp * k + p) * nr + q), "panel " + jp + " row " + p + " lane " + q);
                }
    }

    /** unpack inverts pack (the scalar twin's view of a packed b), edge panel included. */
    @Test
    void unpackInvertsPack() {
        for (int[] kn : new int[][] {{3, Gemm.NR + 3}, {Gemm.KC + 1, 2 * Gemm.NR}, {1, 1}}) {
            float[] bv = Check.gaussian(kn[0] * 31L + kn[1], kn[0] * kn[1], 1f);
            Mat back = Gemm.unpack(Gemm.pack(Mat.of(bv, kn[0], kn[1])));
            assertEquals(kn[0], back.rows());
            assertEquals(kn[1], back.cols());
            Check.sameBits("unpack(pack(b)) " + kn[0] + "x" + kn[1], bv, back.toArray());
        }
    }

    /** A packed B's panels copied into a segment of their own, in native byte order: what a packed-weights file holds. */
    static Gemm.PackedSegment segment(Gemm.PackedB p) {
        MemorySegment seg = Arena.ofAuto().allocate(p.bytes(), 4);
        MemorySegment.copy(p.data(), 0, seg, 0, p.bytes());
        return new Gemm.PackedSegment(seg, p.rows(), p.cols());
    }

    @Test
    void unpackOfASegmentInvertsPack() {
        float[] bv = Check.gaussian(77, (Gemm.KC + 3) * (Gemm.NR + 5), 1f);
        Mat back = Gemm.unpack(segment(Gemm.pack(Mat.of(bv, Gemm.KC + 3, Gemm.NR + 5))));
        Check.sameBits("unpack(segment(pack(b)))", bv, back.toArray());
    }

    /** packColumns in blocks of columns, one after another, writes exactly pack's panels. */
    @Test
    void packColumnsInBlocksGivesPacksPanels() {
        int k = Gemm.KC + 5, n = 3 * Gemm.NR + 7, block = 2 * Gemm.NR;
        Mat b = Mat.of(Check.gaussian(5, k * n, 1f), k, n);
        float[] want = Gemm.pack(b).data().toArray(Mat.FLOAT), got = new float[want.length], buf = new float[(int) Gemm.packedFloats(k, block)];
        int at = 0;
        for (int jc = 0; jc < n; jc += block) {
            int nc = Math.min(block, n - jc), len = (int) Gemm.packedFloats(k, nc);
            Arrays.fill(buf, Float.NaN);
            Gemm.packColumns(b, jc, nc, buf);
            System.arraycopy(buf, 0, got, at, len);
            at += len;
        }
        assertEquals(want.length, at);
        Check.sameBits("packColumns blocks vs pack", want, got);
        assertThrows(IllegalArgumentException.class, () -> Gemm.packColumns(b, 1, 4, buf));
        assertThrows(IllegalArgumentException.class, () -> Gemm.packColumns(b, 0, n + 1, new float[(int) Gemm.packedFloats(k, n + 1)]));
        assertThrows(IllegalArgumentException.class, () -> Gemm.packColumns(b, 0, n, buf));
    }

    @Test
    void badSegmentIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Gemm.PackedSegment(null, 1, 1));
        MemorySegment seg = Arena.ofAuto().allocate(Gemm.packedFloats(4, 3) * Float.BYTES, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Gemm.PackedSegment(seg, 5, 3));
        assertTrue(e.getMessage().contains("needs " + Gemm.packedFloats(5, 3) * Float.BYTES + " bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Gemm.PackedSegment(seg, -4, 3));
        Gemm.PackedSegment ok = new Gemm.PackedSegment(seg, 4, 3);
        e = assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(new float[10], 0, 2, 5, ok, null, new float[6], 0));
        assertTrue(e.getMessage().contains("inner dimensions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(new float[8], 0, 2, 4, ok, new float[2], new float[6], 0));
    }

    @Test
    void aMatWithACopyOfAnotherShapeOrTwoCopiesIsRejected() {
        Mat b = Mat.of(new float[12], 4, 3), other = Mat.of(new float[15], 5, 3);
        Gemm.PackedB packed = Gemm.pack(b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.matmul(new float[10], 0, 2, 5, other, packed, null, null, new float[6], 0));
        assertTrue(e.getMessage().contains("packed copy [4, 3] of b [5, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.matmul(new float[8], 0, 2, 4, b, packed, segment(packed), null, new float[6], 0));
        assertTrue(e.getMessage().contains("at most one"), e.getMessage());
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Gemm.PackedB(null, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Gemm.PackedB(MemorySegment.ofArray(new float[5]), 2, 3));
        assertThrows(IllegalArgumentException.class, () -> new Gemm.PackedB(MemorySegment.ofArray(new float[0]), -1, 3));
        Gemm.PackedB packed = Gemm.pack(Mat.of(new float[12], 4, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.matmul(new float[10], 0, 2, 5, packed, null, new float[6], 0));
        assertTrue(e.getMessage().contains("inner dimensions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(new float[8], 0, 2, 4, packed, new float[2], new float[6], 0));
        assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(new float[8], 0, 2, 4, packed, null, new float[5], 0));
    }
}
