package nci.gpt2;

import java.util.List;
import nci.tensor.Mat;

/**
 * All weights of a GPT-2 model. {@code lmHead} is [V, E]; it is {@code wte} itself when the checkpoint ties them.
 */
public record Gpt2Weights(Mat wte, Mat wpe, List<LayerWeights> layers, float[] lnfGamma, float[] lnfBeta, Mat lmHead) {
    public Gpt2Weights {
        layers = List.copyOf(layers);
    }
}
