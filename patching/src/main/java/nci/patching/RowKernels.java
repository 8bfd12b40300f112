package nci.patching;

import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.gpt2.LayerWeights;
import nci.tensor.Attention;
import nci.tensor.Gelu;
import nci.tensor.Gemm;
import nci.tensor.LayerNorm;
import nci.tensor.VecOps;

/**
 * GPT-2's blocks over a row range [r, T) of one sequence: the row-range twins of {@link Gpt2Model}'s
 * blocks, built from the same tensor kernels in the same order, so a value computed in two pieces
 * (rows 0..r-1 from the cache, rows r..T-1 here) is bit-identical to one computed whole. Row-wise kernels
 * (LayerNorm, GEMM per output element, activations, adds) do not depend on the other rows; causal
 * attention row t reads k/v rows 0..t, which the caller supplies whole. Outputs are written at their
 * row offsets; rows before r are left untouched.
 */
final class RowKernels {
    private RowKernels() {}

    /** out [T, 3E] rows r.. = ln_1(x [T, E]) · c_attn + b. */
    static void qkv(Gpt2Model m, int layer, float[] x, int T, int r, float[] out) {
        Gpt2Config c = m.config();
        LayerWeights w = m.weights().layers().get(layer);
        int e = c.nEmbd(), n = T - r;
        float[] ln = new float[n * e];                                        // [T-r, E]
        LayerNorm.apply(x, r * e, ln, 0, n, e, w.ln1Gamma(), w.ln1Beta(), c.layerNormEpsilon());
        Gemm.matmul(ln, 0, n, e, w.attnW(), w.attnB(), out, r * 3 * e);
    }

    /**
     * out [T, E] rows r.. = c_proj(merge_h softmax(q_h k_hᵀ/√d + causal) v_h); head h reads q, k, v from
     * q[h], k[h], v[h] ([T, 3E] each, all rows present). probs [H, T, T] receives rows r.. (if non-null).
     */
    static void attn(Gpt2Model m, int layer, int T, int r, float[][] q, float[][] k, float[][] v, float[] out, float[] probs) {
        Gpt2Config c = m.config();
        int e = c.nEmbd(), d = c.headDim(), e3 = 3 * e;
        float[] merged = new float[T * e];                                    // [T, E], head h at columns h·d..
        for (int h = 0; h < c.nHead(); h++) {
            Attention.causal(q[h], h * d, e3, k[h], e + h * d, e3, v[h], 2 * e + h * d, e3,
                    merged, h * d, e, T, d, r, probs, h * T * T);
        }
        LayerWeights w = m.weights().layers().get(layer);
        Gemm.matmul(merged, r * e, T - r, e, w.attnProjW(), w.attnProjB(), out, r * e);
    }

    /** out [T, E] rows r.. = c_proj(act(c_fc(ln_2(x)))). */
    static void mlp(Gpt2Model m, int layer, float[] x, int T, int r, float[] out) {
        Gpt2Config c = m.config();
        LayerWeights w = m.weights().layers().get(layer);
        int e = c.nEmbd(), inner = c.nInner(), n = T - r;
        float[] ln = new float[n * e];                                        // [T-r, E]
        LayerNorm.apply(x, r * e, ln, 0, n, e, w.ln2Gamma(), w.ln2Beta(), c.layerNormEpsilon());
        float[] hidden = new float[n * inner];                                // [T-r, I]
        Gemm.matmul(ln, 0, n, e, w.fcW(), w.fcB(), hidden, 0);
        switch (c.activation()) {
            case GELU_NEW -> Gelu.tanhApprox(hidden, 0, hidden.length);
            case GELU -> Gelu.exact(hidden, 0, hidden.length);
        }
        Gemm.matmul(hidden, 0, n, inner, w.mlpProjW(), w.mlpProjB(), out, r * e);
    }

    /** out [T, E] rows r.. = ln_f(x). */
    static void lnFinal(Gpt2Model m, float[] x, int T, int r, float[] out) {
        Gpt2Config c = m.config();
        int e = c.nEmbd();
        LayerNorm.apply(x, r * e, out, r * e, T - r, e, m.weights().lnfGamma(), m.weights().lnfBeta(), c.layerNormEpsilon());
    }

    /** out rows r.. = a + b ([T, width] each). */
    static void add(float[] a, float[] b, int width, int T, int r, float[] out) {
        VecOps.add(a, r * width, b, r * width, out, r * width, (T - r) * width);
    }
}
