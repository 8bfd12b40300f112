package nci.patching;

/**
 * The attention probabilities of one attention computation of a result: {@code probs} is [H, T, T]
 * (row t of head h: softmax over s ≤ t, zeros for s &gt; t). {@code source} is the provenance of the
 * {@code aN.head} node that computed it; equal computations appear once.
 */
public record AttentionPattern(int layer, int nHead, int T, Key key, Provenance source, float[] probs) {
    public AttentionPattern {
        if (probs == null || probs.length != nHead * T * T)
            throw new IllegalArgumentException("attention pattern of layer " + layer + " must hold [" + nHead + ", " + T + ", " + T + "] floats");
    }

    /** probs[head, query t, key s]. */
    public float get(int head, int t, int s) { return probs[(head * T + t) * T + s]; }
}
