package nci.tensor;

/** LayerNorm over the last dimension, as torch.nn.LayerNorm: (x - mean) / sqrt(var + eps) * gamma + beta (biased var). */
public final class LayerNorm {
    private LayerNorm() {}

    /** out[rows, cols] = LN(x[rows, cols]); out may alias x. */
    public static void apply(float[] x, int xOff, float[] out, int outOff, int rows, int cols,
                             float[] gamma, float[] beta, float eps) {
        applyScalar(x, xOff, out, outOff, rows, cols, gamma, beta, eps);
    }

    public static void applyScalar(float[] x, int xOff, float[] out, int outOff, int rows, int cols,
                                   float[] gamma, float[] beta, float eps) {
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * cols, oo = outOff + r * cols;
            float mean = 0f;
            for (int i = 0; i < cols; i++) mean += x[xo + i];
            mean /= cols;
            float var = 0f;
            for (int i = 0; i < cols; i++) { float d = x[xo + i] - mean; var += d * d; }
            var /= cols;
            float inv = (float) (1.0 / Math.sqrt(var + eps));
            for (int i = 0; i < cols; i++) out[oo + i] = (x[xo + i] - mean) * inv * gamma[i] + beta[i];
        }
    }
}
