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

    /**
     * A row computed from rowStart equals the same row of a full pass bit for bit (the patching engine relies on
     * it), whatever rowStart is modulo 4 (the vector path takes rows four at a time from rowStart), in both twins.
     */
    @Test
    void rowsFromRowStartEqualTheFullPass() {
        int l = VectorInfo.lanes();
        for (int T : new int[] {1, 2, 7, 37, 4 * l + 1}) {
            for (int d : new int[] {l + 3, 3 * l, 64}) {
                int heads = 2, e = heads * d, head = 1;
                float[] qkv = Check.gaussian(977L * T + d, T * 3 * e, 1.2f);
                for (boolean vector : new boolean[] {true, false}) {
                    float[] full = new float[T * e], pFull = new float[T * T];
                    run(vector, qkv, e, head, d, T, 0, full, pFull);
                    for (int rowStart : new int[] {1, 2, 3, T - 1}) {
                        if (rowStart < 0 || rowStart > T) continue;
                        float[] part = new float[T * e], pPart = new float[T * T];
                        run(vector, qkv, e, head, d, T, rowStart, part, pPart);
                        String name = (vector ? "vector" : "scalar") + " attention T=" + T + " d=" + d + " rowStart=" + rowStart;
                        Check.sameBits(name + " out rows from rowStart", Arrays.copyOfRange(full, rowStart * e, T * e),
                                Arrays.copyOfRange(part, rowStart * e, T * e));
                        Check.sameBits(name + " probs rows from rowStart", Arrays.copyOfRange(pFull, rowStart * T, T * T),
                                Arrays.copyOfRange(pPart, rowStart * T, T * T));
                    }
                }
            }
        }
    }

    private static void run(boolean vector, float[] qkv, int e, int head, int d, int T, int rowStart, float[] out, float[] probs) {
        if (vector)
            Attention.causalVector(qkv, head * d, 3 * e, qkv, e + head * d, 3 * e, qkv, 2 * e + head * d, 3 * e,
                    out, head * d, e, T, d, rowStart, probs, 0);
        else
            Attention.causalScalar(qkv, head * d, 3 * e, qkv, e + head * d, 3 * e, qkv, 2 * e + head * d, 3 * e,
                    out, head * d, e, T, d, rowStart, probs, 0);
    }

    /**
     * With one key per row (T = 1) the softmax is exactly 1 in both twins, so the output is exactly v: and with
     * equal scores everywhere (q = 0) the pattern is uniform and both twins sum p·v with the same fmas in the same
     * order, so the outputs agree bit for bit wherever the two softmaxes give the same p (here: 1/2^j rows).
     */
    @Test
    void twinsAgreeBitForBitWhenTheSoftmaxIsExact() {
        int l = VectorInfo.lanes();
        for (int d : new int[] {1, l - 1, l + 1, 4 * l + 3, 64}) {
            int T = 8, e = d;
            float[] q = new float[T * e];                                   // q = 0: every score is 0
            float[] k = Check.gaussian(5L + d, T * e, 1f), v = Check.gaussian(7L + d, T * e, 1f);
            float[] a = new float[T * e], b = new float[T * e], pa = new float[T * T], pb = new float[T * T];
            Attention.causalVector(q, 0, e, k, 0, e, v, 0, e, a, 0, e, T, d, 0, pa, 0);
            Attention.causalScalar(q, 0, e, k, 0, e, v, 0, e, b, 0, e, T, d, 0, pb, 0);
            for (int t : new int[] {0, 1, 3, 7}) {                         // rows with t+1 = 2^j keys: p = 2^-j exactly
                Check.sameBits("attention d=" + d + " uniform row " + t + " probs", Arrays.copyOfRange(pb, t * T, t * T + T),
                        Arrays.copyOfRange(pa, t * T, t * T + T));
                Check.sameBits("attention d=" + d + " uniform row " + t + " out", Arrays.copyOfRange(b, t * e, t * e + d),
                        Arrays.copyOfRange(a, t * e, t * e + d));
            }
            Check.sameBits("attention d=" + d + " row 0 is v_0", Arrays.copyOfRange(v, 0, d), Arrays.copyOfRange(a, 0, d));
        }
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
