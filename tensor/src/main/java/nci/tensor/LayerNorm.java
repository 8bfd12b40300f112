package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** LayerNorm over the last dimension, as torch.nn.LayerNorm: (x - mean) / sqrt(var + eps) * gamma + beta (biased var). */
public final class LayerNorm {
    private LayerNorm() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();

    /** out[rows, cols] = LN(x[rows, cols]); out may alias x. */
    public static void apply(float[] x, int xOff, float[] out, int outOff, int rows, int cols,
                             float[] gamma, float[] beta, float eps) {
        if (VectorInfo.ENABLED) applyVector(x, xOff, out, outOff, rows, cols, gamma, beta, eps);
        else applyScalar(x, xOff, out, outOff, rows, cols, gamma, beta, eps);
    }

    /**
     * Two passes per row as the scalar twin (mean, then variance of the deviations: no E[x²]-E[x]² cancellation);
     * lane sums reduced in {@link VMath}'s fixed order, so the bits do not depend on JIT state.
     */
    public static void applyVector(float[] x, int xOff, float[] out, int outOff, int rows, int cols,
                                   float[] gamma, float[] beta, float eps) {
        int ub = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * cols, oo = outOff + r * cols;
            int i = 0;
            FloatVector acc = FloatVector.zero(S);
            for (; i < ub; i += L) acc = acc.add(FloatVector.fromArray(S, x, xo + i));
            float sum = VMath.sum(acc);
            for (; i < cols; i++) sum += x[xo + i];
            float mean = sum / cols;

            FloatVector vmean = FloatVector.broadcast(S, mean);
            acc = FloatVector.zero(S);
            for (i = 0; i < ub; i += L) {
                FloatVector dv = FloatVector.fromArray(S, x, xo + i).sub(vmean);
                acc = dv.fma(dv, acc);
            }
            float var = VMath.sum(acc);
            for (; i < cols; i++) { float d = x[xo + i] - mean; var += d * d; }
            var /= cols;
            float inv = (float) (1.0 / Math.sqrt(var + eps));

            FloatVector vinv = FloatVector.broadcast(S, inv);
            for (i = 0; i < ub; i += L) {
                FloatVector dv = FloatVector.fromArray(S, x, xo + i).sub(vmean).mul(vinv);
                dv.fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i)).intoArray(out, oo + i);
            }
            for (; i < cols; i++) out[oo + i] = (x[xo + i] - mean) * inv * gamma[i] + beta[i];
        }
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
