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
 */
public final class Attention {
    private Attention() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();

    /** Per-thread score row [T], grown on demand: heads run in parallel, each on its own pool thread. */
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[64]);

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

    /** Vectorised over the head dim d: the q·k dot products and the Σ p_s v_s accumulation (d/L vectors at a time). */
    public static void causalVector(float[] q, int qOff, int qStride,
                                    float[] k, int kOff, int kStride,
                                    float[] v, int vOff, int vStride,
                                    float[] out, int outOff, int outStride,
                                    int T, int d, int rowStart, float[] probs, int probsOff) {
        checkShape(T, d, rowStart);
        float scale = (float) (1.0 / Math.sqrt(d));
        float[] p = SCORES.get();
        if (p.length < T) { p = new float[Math.max(T, 2 * p.length)]; SCORES.set(p); }
        int ub = S.loopBound(d);
        for (int t = rowStart; t < T; t++) {
            int qo = qOff + t * qStride;
            for (int s = 0; s <= t; s++) p[s] = VecOps.dotVector(q, qo, k, kOff + s * kStride, d) * scale;
            Softmax.inPlaceVector(p, 0, t + 1);
            int oo = outOff + t * outStride;
            int i = 0;
            for (; i < ub; i += L) {
                // one L-wide column strip of out_t, accumulated over s in registers
                FloatVector acc = FloatVector.zero(S);
                int vo = vOff + i;
                for (int s = 0; s <= t; s++, vo += vStride)
                    acc = FloatVector.fromArray(S, v, vo).fma(FloatVector.broadcast(S, p[s]), acc);
                acc.intoArray(out, oo + i);
            }
            for (; i < d; i++) {
                float acc = 0f;
                for (int s = 0; s <= t; s++) acc += p[s] * v[vOff + s * vStride + i];
                out[oo + i] = acc;
            }
            if (probs != null) {
                int po = probsOff + t * T;
                System.arraycopy(p, 0, probs, po, t + 1);
                java.util.Arrays.fill(probs, po + t + 1, po + T, 0f);
            }
        }
    }

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
                for (int i = 0; i < d; i++) dot += q[qo + i] * k[ko + i];
                p[s] = dot * scale;
            }
            Softmax.inPlaceScalar(p, 0, t + 1);
            int oo = outOff + t * outStride;
            for (int i = 0; i < d; i++) out[oo + i] = 0f;
            for (int s = 0; s <= t; s++) {
                int vo = vOff + s * vStride;
                float w = p[s];
                for (int i = 0; i < d; i++) out[oo + i] += w * v[vo + i];
            }
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
