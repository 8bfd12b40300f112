package nci.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Attention's vector path against its scalar twin on strided views of a [T, 3E] qkv buffer, with rowStart.
 * Tolerance per output element: 32·(1 + √d + √T)·eps·Σ_s p_s·|v_s,i| (score dot products over d, a softmax
 * over T, and a weighted sum over T, each in a different order), and 32·(1 + √d + √T)·eps·p for the pattern.
 */
class AttentionTest {
    private static final double EPS = Check.EPS;

    @Test
    void vectorMatchesScalar() {
        int l = VectorInfo.lanes();
        for (int T : new int[] {1, 2, 5, 17, 64}) {
            for (int d : new int[] {1, l - 1, l, l + 1, 24, 64, 128}) {
                for (int rowStart : new int[] {0, T / 2, T}) {
                    run(T, d, rowStart);
                }
            }
        }
    }

    private static void run(int T, int d, int rowStart) {
        int heads = 3, e = heads * d, head = 1;
        float[] qkv = Check.gaussian(31L * T + d, T * 3 * e, 1.5f);
        int outOff = 5, outStride = e + 3; // a padded merged-heads buffer
        float[] ref = new float[outOff + T * outStride], got = new float[outOff + T * outStride];
        Arrays.fill(ref, -7f);
        Arrays.fill(got, -7f);
        float[] pRef = new float[2 + T * T], pGot = new float[2 + T * T];
        Arrays.fill(pRef, -7f);
        Arrays.fill(pGot, -7f);
        String name = "attention T=" + T + " d=" + d + " rowStart=" + rowStart;
        Attention.causalScalar(qkv, head * d, 3 * e, qkv, e + head * d, 3 * e, qkv, 2 * e + head * d, 3 * e,
                ref, outOff + head * d, outStride, T, d, rowStart, pRef, 2);
        Attention.causalVector(qkv, head * d, 3 * e, qkv, e + head * d, 3 * e, qkv, 2 * e + head * d, 3 * e,
                got, outOff + head * d, outStride, T, d, rowStart, pGot, 2);
        double f = 32 * (1 + Math.sqrt(d) + Math.sqrt(T)) * EPS;
        Check.close(name + " probs", pRef, pGot, (i, r) -> f * Math.abs(r) + Float.MIN_NORMAL);
        Check.close(name + " out", ref, got, (idx, r) -> {
            int rel = idx - outOff - head * d;
            int t = Math.floorDiv(rel, outStride), i = rel - t * outStride;
            if (t < rowStart || i < 0 || i >= d) return 0; // untouched: must still be the fill value
            double mag = 0;
            for (int s = 0; s <= t; s++) mag += pRef[2 + t * T + s] * Math.abs(qkv[s * 3 * e + 2 * e + head * d + i]);
            return f * mag + Float.MIN_NORMAL;
        });
        for (int t = rowStart; t < T; t++) {
            double sum = 0;
            for (int s = 0; s < T; s++) {
                float p = pGot[2 + t * T + s];
                if (s > t) assertEquals(0f, p, name + ": probs[" + t + "," + s + "] above the diagonal");
                sum += p;
            }
            assertEquals(1.0, sum, 1e-5, name + ": probs row " + t + " sums to 1");
        }
        for (int t = 0; t < rowStart; t++)
            for (int s = 0; s < T; s++) assertEquals(-7f, pGot[2 + t * T + s], name + ": probs row " + t + " before rowStart written");
    }

    /** One row attending to itself returns its own v; two equal keys split the weight evenly. */
    @Test
    void knownValues() {
        int d = 3;
        float[] q = {1, 0, 0, 1, 0, 0};
        float[] k = {2, 0, 0, 2, 0, 0};
        float[] v = {1, 2, 3, 5, 6, 7};
        float[] out = new float[6], probs = new float[4];
        Attention.causalVector(q, 0, d, k, 0, d, v, 0, d, out, 0, d, 2, d, 0, probs, 0);
        Check.close("attention known out", new float[] {1, 2, 3, 3, 4, 5}, out, (i, r) -> 4 * EPS * (1 + Math.abs(r)));
        Check.close("attention known probs", new float[] {1, 0, 0.5f, 0.5f}, probs, (i, r) -> 4 * EPS);
    }

    @Test
    void badShapeIsRejected() {
        float[] x = new float[16];
        assertThrows(IllegalArgumentException.class, () -> Attention.causalVector(x, 0, 4, x, 0, 4, x, 0, 4, x, 0, 4, 2, 4, 3, null, 0));
        assertThrows(IllegalArgumentException.class, () -> Attention.causalVector(x, 0, 4, x, 0, 4, x, 0, 4, x, 0, 4, 2, 0, 0, null, 0));
    }
}
