package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal scaled dot-product attention for one head.
 * For each query row t in [rowStart, T): p = softmax(q_t · k_s / √d, s ≤ t), out_t = Σ_s p_s v_s.
 * q, k, v, out are row-major with their own row strides and offsets (so they can be views into a
 * [T, 3E] c_attn output or a [T, E] merged-heads buffer). Rows before rowStart are left untouched
 * (causal attention leaves them unchanged when only later rows change).
 * probs, if non-null, receives the [T, T] pattern at probsOff (row t: entries s > t are 0).
 *
 * <h2>Order of operations (the same in both twins, so the bits are too, apart from the softmax's exp)</h2>
 * score(t, s) = (Σ_i q[t,i]·k[s,i]) · (1/√d), the sum as fma(q[t,i], k[s,i], acc) for i = 0, 1, ..., d-1 from 0;
 * out[t,i] = fma(p_s, v[s,i], acc) for s = 0, 1, ..., t from 0. Every element of a row is computed the same way
 * whatever T, rowStart, its neighbours or which rows are computed together, so a row computed alone (the patching
 * engine recomputing rows from rowStart) equals the same row of a full pass, bit for bit.
 */
public final class Attention {
    private Attention() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();
    /** Keys per score block: 4 vectors, so a pair of query rows keeps 8 independent fma chains in flight. */
    private static final int KB = 4 * L;

    /**
     * Per-thread scratch, grown on demand (heads run in parallel, each on its own pool thread):
     * [0] kᵀ of the head [d, Tp] (Tp = T rounded up to KB, zero padded), [1] and [2] the score rows of a pair [Tp].
     */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

    public static void causal(float[] q, int qOff, int qStride,
                              float[] k, int kOff, int kStride,
                              float[] v, int vOff, int vStride,
                              float[] out, int outOff, int outStride,
                              int T, int d, int rowStart, float[] probs, int probsOff) {
        if (VectorInfo.ENABLED)
            causalVector(q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, outStride, T, d, rowStart, probs, probsOff);
        else
            causalScalar(q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, outStride, T, d, rowStart, probs, probsOff);
    }

    /**
     * Query rows in pairs (t, t+1). Scores: k is transposed once into kᵀ [d, Tp], then each pair sweeps blocks of KB
     * keys with 2 x 4 vector accumulators (one broadcast q value per row and 4 kᵀ vectors per i): no horizontal sums.
     * Keys past t in a block are computed and ignored (the softmax covers s ≤ t only). Weighted sum: 2 rows x 4
     * vectors of d in registers, one sweep over s per 4L columns of d.
     */
    public static void causalVector(float[] q, int qOff, int qStride,
                                    float[] k, int kOff, int kStride,
                                    float[] v, int vOff, int vStride,
                                    float[] out, int outOff, int outStride,
                                    int T, int d, int rowStart, float[] probs, int probsOff) {
        checkShape(T, d, rowStart);
        if (rowStart == T) return;
        float scale = (float) (1.0 / Math.sqrt(d));
        int tp = (T + KB - 1) / KB * KB;
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < d * tp) scratch[0] = new float[d * tp];
        if (scratch[1].length < tp) { scratch[1] = new float[tp]; scratch[2] = new float[tp]; }
        float[] kt = scratch[0], p0 = scratch[1], p1 = scratch[2];
        transpose(k, kOff, kStride, T, d, kt, tp);
        for (int t = rowStart; t < T; t += 2) {
            boolean two = t + 1 < T;
            int t1 = two ? t + 1 : t;                        // a lone last row is computed twice (same bits)
            scores(q, qOff + t * qStride, qOff + t1 * qStride, kt, tp, d, t1 + 1, scale, p0, p1);
            Softmax.inPlaceVector(p0, 0, t + 1);
            if (two) Softmax.inPlaceVector(p1, 0, t + 2);
            weighted(p0, p1, t, two, v, vOff, vStride, d, out, outOff + t * outStride, outOff + t1 * outStride);
            if (probs != null) {
                copyProbs(p0, t, T, probs, probsOff);
                if (two) copyProbs(p1, t + 1, T, probs, probsOff);
            }
        }
    }

    /** kt[i * tp + s] = k[s, i] for s < T; zero for T ≤ s < tp (read by the last score block, never used). */
    private static void transpose(float[] k, int kOff, int kStride, int T, int d, float[] kt, int tp) {
        for (int s = 0; s < T; s++) {
            int ko = kOff + s * kStride;
            for (int i = 0, o = s; i < d; i++, o += tp) kt[o] = k[ko + i];
        }
        for (int i = 0; i < d; i++) java.util.Arrays.fill(kt, i * tp + T, i * tp + tp, 0f);
    }

    /** p0[s] = score(row at qa, s), p1[s] = score(row at qb, s) for s < n rounded up to KB. */
    private static void scores(float[] q, int qa, int qb, float[] kt, int tp, int d, int n, float scale, float[] p0, float[] p1) {
        for (int j = 0; j < n; j += KB) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int i = 0, ko = j; i < d; i++, ko += tp) {
                FloatVector k0 = FloatVector.fromArray(S, kt, ko), k1 = FloatVector.fromArray(S, kt, ko + L);
                FloatVector k2 = FloatVector.fromArray(S, kt, ko + 2 * L), k3 = FloatVector.fromArray(S, kt, ko + 3 * L);
                FloatVector qv = FloatVector.broadcast(S, q[qa + i]);
                a0 = k0.fma(qv, a0); a1 = k1.fma(qv, a1); a2 = k2.fma(qv, a2); a3 = k3.fma(qv, a3);
                qv = FloatVector.broadcast(S, q[qb + i]);
                b0 = k0.fma(qv, b0); b1 = k1.fma(qv, b1); b2 = k2.fma(qv, b2); b3 = k3.fma(qv, b3);
            }
            a0.mul(scale).intoArray(p0, j); a1.mul(scale).intoArray(p0, j + L);
            a2.mul(scale).intoArray(p0, j + 2 * L); a3.mul(scale).intoArray(p0, j + 3 * L);
            b0.mul(scale).intoArray(p1, j); b1.mul(scale).intoArray(p1, j + L);
            b2.mul(scale).intoArray(p1, j + 2 * L); b3.mul(scale).intoArray(p1, j + 3 * L);
        }
    }

    /** out row t (at o0) = Σ_{s ≤ t} p0[s] v_s; if two, out row t+1 (at o1) = Σ_{s ≤ t+1} p1[s] v_s. */
    private static void weighted(float[] p0, float[] p1, int t, boolean two, float[] v, int vOff, int vStride, int d,
                                 float[] out, int o0, int o1) {
        int i = 0;
        for (; i + 4 * L <= d; i += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int vo = vOff + i;
            for (int s = 0; s <= t; s++, vo += vStride) {
                FloatVector v0 = FloatVector.fromArray(S, v, vo), v1 = FloatVector.fromArray(S, v, vo + L);
                FloatVector v2 = FloatVector.fromArray(S, v, vo + 2 * L), v3 = FloatVector.fromArray(S, v, vo + 3 * L);
                FloatVector w = FloatVector.broadcast(S, p0[s]);
                a0 = v0.fma(w, a0); a1 = v1.fma(w, a1); a2 = v2.fma(w, a2); a3 = v3.fma(w, a3);
                w = FloatVector.broadcast(S, p1[s]);
                b0 = v0.fma(w, b0); b1 = v1.fma(w, b1); b2 = v2.fma(w, b2); b3 = v3.fma(w, b3);
            }
            a0.intoArray(out, o0 + i); a1.intoArray(out, o0 + i + L);
            a2.intoArray(out, o0 + i + 2 * L); a3.intoArray(out, o0 + i + 3 * L);
            if (two) {                                       // row t+1 also takes s = t+1
                FloatVector w = FloatVector.broadcast(S, p1[t + 1]);
                b0 = FloatVector.fromArray(S, v, vo).fma(w, b0); b1 = FloatVector.fromArray(S, v, vo + L).fma(w, b1);
                b2 = FloatVector.fromArray(S, v, vo + 2 * L).fma(w, b2); b3 = FloatVector.fromArray(S, v, vo + 3 * L).fma(w, b3);
                b0.intoArray(out, o1 + i); b1.intoArray(out, o1 + i + L);
                b2.intoArray(out, o1 + i + 2 * L); b3.intoArray(out, o1 + i + 3 * L);
            }
        }
        for (; i + L <= d; i += L) {
            FloatVector a = FloatVector.zero(S), b = a;
            int vo = vOff + i;
            for (int s = 0; s <= t; s++, vo += vStride) {
                FloatVector vv = FloatVector.fromArray(S, v, vo);
                a = vv.fma(FloatVector.broadcast(S, p0[s]), a);
                b = vv.fma(FloatVector.broadcast(S, p1[s]), b);
            }
            a.intoArray(out, o0 + i);
            if (two) FloatVector.fromArray(S, v, vo).fma(FloatVector.broadcast(S, p1[t + 1]), b).intoArray(out, o1 + i);
        }
        for (; i < d; i++) {
            out[o0 + i] = weightedScalar(p0, t, v, vOff + i, vStride);
            if (two) out[o1 + i] = weightedScalar(p1, t + 1, v, vOff + i, vStride);
        }
    }

    /** Σ_{s ≤ t} p[s]·v[vo + s·vStride] as fma in increasing s from 0. */
    private static float weightedScalar(float[] p, int t, float[] v, int vo, int vStride) {
        float acc = 0f;
        for (int s = 0; s <= t; s++, vo += vStride) acc = Math.fma(p[s], v[vo], acc);
        return acc;
    }

    private static void copyProbs(float[] p, int t, int T, float[] probs, int probsOff) {
        int po = probsOff + t * T;
        System.arraycopy(p, 0, probs, po, t + 1);
        java.util.Arrays.fill(probs, po + t + 1, po + T, 0f);
    }

    /** The scalar twin: the same fma orders as the vector path, {@link Softmax#inPlaceScalar} for the softmax. */
    public static void causalScalar(float[] q, int qOff, int qStride,
                                    float[] k, int kOff, int kStride,
                                    float[] v, int vOff, int vStride,
                                    float[] out, int outOff, int outStride,
                                    int T, int d, int rowStart, float[] probs, int probsOff) {
        checkShape(T, d, rowStart);
        float scale = (float) (1.0 / Math.sqrt(d));
        float[] p = new float[T];
        for (int t = rowStart; t < T; t++) {
            int qo = qOff + t * qStride;
            for (int s = 0; s <= t; s++) {
                int ko = kOff + s * kStride;
                float dot = 0f;
                for (int i = 0; i < d; i++) dot = Math.fma(q[qo + i], k[ko + i], dot);
                p[s] = dot * scale;
            }
            Softmax.inPlaceScalar(p, 0, t + 1);
            int oo = outOff + t * outStride;
            for (int i = 0; i < d; i++) out[oo + i] = weightedScalar(p, t, v, vOff + i, vStride);
            if (probs != null) {
                int po = probsOff + t * T;
                for (int s = 0; s < T; s++) probs[po + s] = s <= t ? p[s] : 0f;
            }
        }
    }

    private static void checkShape(int T, int d, int rowStart) {
        if (T < 0 || d <= 0) throw new IllegalArgumentException("attention shape T=" + T + ", d=" + d + ": need T >= 0, d > 0");
        if (rowStart < 0 || rowStart > T)
            throw new IllegalArgumentException("attention rowStart " + rowStart + " outside [0, T=" + T + "]");
    }
}
