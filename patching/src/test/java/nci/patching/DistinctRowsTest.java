package nci.patching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link DistinctRows}: rows equal bit for bit, and only those, are one row. */
class DistinctRowsTest {

    /** The reference: row r is the first earlier row with the same raw bits, numbered in order of first appearance. */
    private static int[] naive(float[] x, int M, int w) {
        int[] of = new int[M];
        List<Integer> firsts = new ArrayList<>();
        outer:
        for (int r = 0; r < M; r++) {
            for (int u = 0; u < firsts.size(); u++) {
                int s = firsts.get(u);
                boolean eq = true;
                for (int c = 0; c < w && eq; c++) eq = Float.floatToRawIntBits(x[s * w + c]) == Float.floatToRawIntBits(x[r * w + c]);
                if (eq) { of[r] = u; continue outer; }
            }
            of[r] = firsts.size();
            firsts.add(r);
        }
        return of;
    }

    private static int[] of(DistinctRows d, int M) {
        int[] out = new int[M];
        for (int r = 0; r < M; r++) out[r] = d.of(r);
        return out;
    }

    @Test
    void matchesPairwiseComparisonOnRowsWithPlantedRepeats() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int w : new int[] {1, 3, 4, 7, 768}) {
            for (int M : new int[] {1, 2, 5, 64, 300}) {
                float[] x = new float[M * w];
                for (int r = 0; r < M; r++) {
                    if (r > 0 && rnd.nextInt(3) == 0) {                       // a copy of an earlier row
                        System.arraycopy(x, rnd.nextInt(r) * w, x, r * w, w);
                        if (rnd.nextBoolean()) x[r * w + rnd.nextInt(w)] += 1e-3f;   // or one that differs in one element
                    } else {
                        for (int c = 0; c < w; c++) x[r * w + c] = (float) rnd.nextGaussian();
                    }
                }
                String id = M + " rows of width " + w;
                int[] want = naive(x, M, w);
                DistinctRows d = DistinctRows.of(x, M, w);
                assertArrayEquals(want, of(d, M), id);
                assertArrayEquals(want, of(DistinctRows.of(x, M, w, (a, off, n) -> 42), M), id + ", every hash equal");
                assertEquals(Arrays.stream(want).max().orElse(-1) + 1, d.count(), id + ": count");
                float[] c = d.compact(x, w);
                assertEquals(d.count() * w, c.length, id + ": compacted");
                for (int r = 0; r < M; r++)
                    assertArrayEquals(Arrays.copyOfRange(x, r * w, (r + 1) * w), Arrays.copyOfRange(c, d.of(r) * w, (d.of(r) + 1) * w), id + " row " + r);
                assertArrayEquals(x, d.expand(c, w), id + ": expand(compact(x)) = x");
            }
        }
    }

    @Test
    void rowsAreComparedByTheirBits() {
        float nan2 = Float.intBitsToFloat(0x7fc00001);                       // a NaN with another payload
        float[] x = {
            0f, 1f,         // 0
            -0f, 1f,        // 1: -0.0 is not 0.0
            0f, 1f,         // 2 = 0
            Float.NaN, 2f,  // 3
            nan2, 2f,       // 4: another NaN payload
            Float.NaN, 2f,  // 5 = 3
            1f, 0f,         // 6: the same elements in another order
            1f, Math.nextUp(0f),   // 7: one ulp away
        };
        for (DistinctRows d : List.of(DistinctRows.of(x, 8, 2), DistinctRows.of(x, 8, 2, (a, off, n) -> 7))) {
            assertArrayEquals(new int[] {0, 1, 0, 2, 3, 2, 4, 5}, of(d, 8));
            assertEquals(6, d.count());
        }
    }

    @Test
    void allDistinctRowsAreNotCopied() {
        float[] x = {1, 2, 3, 4, 5, 6};
        DistinctRows d = DistinctRows.of(x, 3, 2);
        assertEquals(3, d.count());
        assertSame(x, d.compact(x, 2));
        float[] y = {9, 8, 7};
        assertSame(y, d.expand(y, 1));
        DistinctRows each = DistinctRows.each(3);
        assertEquals(3, each.count());
        float[] same = {1, 2, 1, 2};                                          // each() does not look
        assertSame(same, DistinctRows.each(2).compact(same, 2));
        assertEquals(0, DistinctRows.of(new float[0], 0, 4).count());
    }

    @Test
    void rowsThatDoNotFitAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> DistinctRows.of(new float[10], 3, 4));
        assertTrue(e.getMessage().contains("3 rows of width 4 do not fit 10 floats"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DistinctRows.of(new float[4], 1, 0));
    }
}
