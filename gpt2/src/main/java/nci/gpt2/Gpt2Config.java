package nci.gpt2;

/**
 * The fields of a HuggingFace GPT2Config that the forward pass depends on.
 * {@code nInner} is the MLP width (config's {@code n_inner}, or 4·n_embd when null).
 */
public record Gpt2Config(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize, int nInner,
                         float layerNormEpsilon, Activation activation) {
    public Gpt2Config {
        if (nLayer < 1) throw new IllegalArgumentException("n_layer must be >= 1, got " + nLayer);
        if (nHead < 1) throw new IllegalArgumentException("n_head must be >= 1, got " + nHead);
        if (nEmbd < 1 || nEmbd % nHead != 0)
            throw new IllegalArgumentException("n_embd (" + nEmbd + ") must be a positive multiple of n_head (" + nHead + ")");
        if (nPositions < 1) throw new IllegalArgumentException("n_positions must be >= 1, got " + nPositions);
        if (vocabSize < 1) throw new IllegalArgumentException("vocab_size must be >= 1, got " + vocabSize);
        if (nInner < 1) throw new IllegalArgumentException("n_inner must be >= 1, got " + nInner);
        if (!(layerNormEpsilon > 0)) throw new IllegalArgumentException("layer_norm_epsilon must be > 0, got " + layerNormEpsilon);
        if (activation == null) throw new IllegalArgumentException("activation_function missing");
    }

    /** Width of one attention head, n_embd / n_head. */
    public int headDim() { return nEmbd / nHead; }
}
