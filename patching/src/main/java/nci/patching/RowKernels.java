package nci.patching;

import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.gpt2.LayerWeights;
import nci.gpt2.PackedWeights;
import nci.tensor.Attention;
import nci.tensor.Gelu;
import nci.tensor.Gemm;
import nci.tensor.LayerNorm;
import nci.tensor.Parallel;

/**
 * GPT-2's blocks over stacked rows: the twins of {@link Gpt2Model}'s blocks that the {@link Materialiser}
 * runs on the rows of many values at once (rows of different experiments, positions and streams stacked into
 * one [M, E] matrix), built from the same tensor kernels in the same order. Every kernel involved is row-wise
 * (LayerNorm, the activations) or computes each output element by the same operations whatever the row count
 * and whichever rows share the call ({@link Gemm}'s determinism contract), so a row computed here is
 * bit-identical to the same row of a plain forward. Causal attention is the one kernel that reads other rows;
 * {@link #heads} runs it per value, over that value's whole q/k/v inputs.
 */
final class RowKernels {
    private RowKernels() {}

    /**
     * The layer's packed weights for the product about to run, or null to multiply by the mapped matrices (packing B
     * per call). Packing B is 20-50% of a product at a sweep's row counts, and a process that batches over the model
     * more than once multiplies every matrix again each time: {@link Gpt2Model#packedLayerOnReuse} packs a layer
     * from its second pass on (one request per product: qkv, attention projection, MLP). On unless
     * {@code -Dnci.packWeights=false}, and only while the packed copies of all layers (native memory) come to at most
     * a third of the maximum heap, the budget they are held to (GPT-2 small: 340 MB; GPT-2 XL's 6 GB would not, and
     * its products pack B per call as before).
     * The bits are the same either way.
     */
    static Gpt2Model.PackedLayer packed(Gpt2Model m, int layer) {
        if (!packWeights || m.packedBytes() > Runtime.getRuntime().maxMemory() / 3) return null;
        return m.packedLayerOnReuse(layer);
    }

    /**
     * The layer's matrices in the model's packed copy from a file ({@link Gpt2Model#usePackedWeights}), or null when
     * it has none. When it has one, the engine multiplies over it from the first product on and never builds the
     * copies of {@link #packed}: the same bits, no packing pass and no second copy (GPT-2 XL's 6 GB of packed weights,
     * beyond that budget, are then packed once, in the file, which is mapped rather than read).
     */
    static PackedWeights.Layer fromFile(Gpt2Model m, int layer) {
        PackedWeights p = m.packedWeights();
        return p == null ? null : p.layer(layer);
    }

    /** -Dnci.packWeights; tests flip it to hold both paths to the same bits. */
    static volatile boolean packWeights = !"false".equals(System.getProperty("nci.packWeights"));

    /** Rows per chunk of the activation when it is shared over the pool (16 x 3072 floats = 192 KB). */
    private static final int ACT_ROWS = 16;

    /** out [M, 3E] = ln_1(x [M, E]) · c_attn + b. */
    static void qkv(Gpt2Model m, int layer, float[] x, int M, float[] out) {
        Gpt2Config c = m.config();
        LayerWeights w = m.weights().layers().get(layer);
        int e = c.nEmbd();
        float[] ln = new float[M * e];                                        // [M, E]
        LayerNorm.apply(x, 0, ln, 0, M, e, w.ln1Gamma(), w.ln1Beta(), c.layerNormEpsilon());
        PackedWeights.Layer f = fromFile(m, layer);
        Gpt2Model.PackedLayer p = f != null ? null : packed(m, layer);
        Gemm.matmul(ln, 0, M, e, w.attnW(), p == null ? null : p.attnW(), f == null ? null : f.attnW(), w.attnB(), out, 0);
    }

    /**
     * merged [T, E] rows r.. = merge_h softmax(q_h k_hᵀ/√d + causal) v_h of one value: head h reads its query,
     * key and value columns from q[h], k[h], v[h] ([T, 3E] each, all rows present). probs [H, T, T] receives
     * rows r.. of every head's pattern. Rows before r are left untouched.
     */
    static void heads(Gpt2Config c, int T, int r, float[][] q, float[][] k, float[][] v, float[] merged, float[] probs) {
        int e = c.nEmbd(), d = c.headDim(), e3 = 3 * e;
        for (int h = 0; h < c.nHead(); h++) {
            Attention.causal(q[h], h * d, e3, k[h], e + h * d, e3, v[h], 2 * e + h * d, e3,
                    merged, h * d, e, T, d, r, probs, h * T * T);
        }
    }

    /** out [M, E] = merged [M, E] · c_proj + b (attention's output projection). */
    static void attnProj(Gpt2Model m, int layer, float[] merged, int M, float[] out) {
        LayerWeights w = m.weights().layers().get(layer);
        PackedWeights.Layer f = fromFile(m, layer);
        Gpt2Model.PackedLayer p = f != null ? null : packed(m, layer);
        Gemm.matmul(merged, 0, M, m.config().nEmbd(), w.attnProjW(), p == null ? null : p.attnProjW(),
                f == null ? null : f.attnProjW(), w.attnProjB(), out, 0);
    }

    /** out [M, E] = c_proj(act(c_fc(ln_2(x [M, E])))). */
    static void mlp(Gpt2Model m, int layer, float[] x, int M, float[] out) {
        Gpt2Config c = m.config();
        LayerWeights w = m.weights().layers().get(layer);
        int e = c.nEmbd(), inner = c.nInner();
        float[] ln = new float[M * e];                                        // [M, E]
        LayerNorm.apply(x, 0, ln, 0, M, e, w.ln2Gamma(), w.ln2Beta(), c.layerNormEpsilon());
        float[] hidden = new float[M * inner];                                // [M, I]
        PackedWeights.Layer f = fromFile(m, layer);
        Gpt2Model.PackedLayer p = f != null ? null : packed(m, layer);
        Gemm.matmul(ln, 0, M, e, w.fcW(), p == null ? null : p.fcW(), f == null ? null : f.fcW(), w.fcB(), hidden, 0);
        // element-wise, so any row split gives the same bits; in chunks of rows over the pool, as the flat forward does
        Parallel.forChunks(M, ACT_ROWS, (s, en) -> {
            switch (c.activation()) {
                case GELU_NEW -> Gelu.tanhApprox(hidden, s * inner, (en - s) * inner);
                case GELU -> Gelu.exact(hidden, s * inner, (en - s) * inner);
            }
        });
        Gemm.matmul(hidden, 0, M, inner, w.mlpProjW(), p == null ? null : p.mlpProjW(), f == null ? null : f.mlpProjW(), w.mlpProjB(),
                out, 0);
    }

    /** out [T, E] = ln_f(x [T, E]). */
    static void lnFinal(Gpt2Model m, float[] x, int T, float[] out) {
        Gpt2Config c = m.config();
        LayerNorm.apply(x, 0, out, 0, T, c.nEmbd(), m.weights().lnfGamma(), m.weights().lnfBeta(), c.layerNormEpsilon());
    }
}
