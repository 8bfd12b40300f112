package nci.tensor;

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

    public static void causal(float[] q, int qOff, int qStride,
                              float[] k, int kOff, int kStride,
                              float[] v, int vOff, int vStride,
                              float[] out, int outOff, int outStride,
                              int T, int d, int rowStart, float[] probs, int probsOff) {
        causalScalar(q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, outStride, T, d, rowStart, probs, probsOff);
    }

    public static void causalScalar(float[] q, int qOff, int qStride,
                                    float[] k, int kOff, int kStride,
                                    float[] v, int vOff, int vStride,
                                    float[] out, int outOff, int outStride,
                                    int T, int d, int rowStart, float[] probs, int probsOff) {
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
}
