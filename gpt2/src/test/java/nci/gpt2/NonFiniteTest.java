package nci.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link NonFinite}: the two-floats-per-long kernel against its one-float twin and against {@link Float#isFinite}. */
class NonFiniteTest {

    /** NaNs (quiet, signalling, negative) and infinities, as bits. */
    private static final int[] BAD = {0x7FC0_0000, 0x7F80_0001, 0xFFC1_2345, 0x7FFF_FFFF, 0x7F80_0000, 0xFF80_0000};
    /** Finite values whose bits come close: the largest finite, -0, a subnormal, the smallest normal, 1. */
    private static final int[] GOOD = {0x7F7F_FFFF, 0xFF7F_FFFF, 0x8000_0000, 0x0000_0001, 0x0080_0000, 0x3F80_0000};

    private static long reference(MemorySegment s, long off, long n) {
        for (long i = 0; i < n; i++)
            if (!Float.isFinite(s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, off + 4 * i))) return i;
        return -1;
    }

    private static void check(MemorySegment s, long off, long n, long want, String what) {
        assertEquals(want, reference(s, off, n), what + ": reference");
        assertEquals(want, NonFinite.firstScalar(s, off, n), what + ": scalar");
        assertEquals(want, NonFinite.first(s, off, n), what + ": two per long");
    }

    /**
     * Sizes from STYLE.md and around the kernel's block of 1024 floats, at byte offsets 0, 1, 4 and 6 (safetensors
     * promises no alignment): all finite, then one bad value at each edge, in the middle and at block boundaries,
     * in both halves of a long; then two, where the first counts.
     */
    @Test
    void findsTheFirstNaNOrInfinityWhereverItIs() {
        SplittableRandom r = new SplittableRandom(5);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {0, 1, 2, 3, 7, 9, 767, 1023, 1024, 1025, 2049, 3073, 50257}) {
                for (long off : new long[] {0, 1, 4, 6}) {
                    MemorySegment s = arena.allocate(off + 4L * n + 8);
                    for (int i = 0; i < n; i++) {
                        int bits = i % 3 == 0 ? GOOD[r.nextInt(GOOD.length)] : Float.floatToRawIntBits((float) r.nextGaussian());
                        s.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * i, bits);
                    }
                    s.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * n, BAD[0]);   // just past the end: never counted
                    String where = "n=" + n + " off=" + off;
                    check(s, off, n, -1, where + " all finite");
                    for (int at : new int[] {0, 1, n / 2, 1022, 1023, 1024, 1025, n - 2, n - 1}) {
                        if (at < 0 || at >= n) continue;
                        int saved = s.get(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * at);
                        int bad = BAD[r.nextInt(BAD.length)];
                        s.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * at, bad);
                        check(s, off, n, at, where + " bad " + Integer.toHexString(bad) + " at " + at);
                        if (at + 3 < n) {
                            int later = s.get(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * (at + 3));
                            s.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * (at + 3), BAD[4]);
                            check(s, off, n, at, where + " two bad, from " + at);
                            s.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * (at + 3), later);
                        }
                        s.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * at, saved);
                    }
                }
            }
        }
    }

    @Test
    void worksOnHeapArrays() {
        float[] a = new float[3073];
        java.util.Arrays.fill(a, Float.MAX_VALUE);
        MemorySegment s = MemorySegment.ofArray(a);
        check(s, 0, a.length, -1, "heap, finite");
        a[2050] = Float.NEGATIVE_INFINITY;
        check(s, 0, a.length, 2050, "heap, -inf");
        check(s, 4 * 2051, a.length - 2051, -1, "heap, after it");
        a[5] = Float.NaN;
        check(s, 0, a.length, 5, "heap, NaN first");
    }
}
