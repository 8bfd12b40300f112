package nci.gpt2;

import java.util.List;
import nci.tensor.Mat;

/**
 * One transformer block's weights. Matrices are in HuggingFace's Conv1D layout [in, out]
 * (y = x · W + b); c_attn's output columns are [q | k | v], head h owning columns h·d .. h·d+d-1 of each.
 */
public record LayerWeights(
        float[] ln1Gamma, float[] ln1Beta,   // [E]
        Mat attnW, float[] attnB,            // [E, 3E], [3E]
        Mat attnProjW, float[] attnProjB,    // [E, E], [E]
        float[] ln2Gamma, float[] ln2Beta,   // [E]
        Mat fcW, float[] fcB,                // [E, I], [I]
        Mat mlpProjW, float[] mlpProjB) {    // [I, E], [E]

    /** The four matrices, in the order above: c_attn, attn c_proj, c_fc, mlp c_proj. */
    public List<Mat> matrices() { return List.of(attnW, attnProjW, fcW, mlpProjW); }
}
