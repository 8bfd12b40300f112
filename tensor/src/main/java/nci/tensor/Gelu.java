package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GPT-2's activations, in place over x[off .. off+len).
 * {@code gelu_new}: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (GPT-2's default);
 * {@code gelu}: 0.5·x·(1 + erf(x/√2)) (exact).
 */
public final class Gelu {
    private Gelu() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();

    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float INV_SQRT_2 = (float) (1.0 / Math.sqrt(2.0));

    public static void tanhApprox(float[] x, int off, int len) {
        if (VectorInfo.ENABLED) tanhApproxVector(x, off, len);
        else tanhApproxScalar(x, off, len);
    }

    public static void exact(float[] x, int off, int len) {
        if (VectorInfo.ENABLED) exactVector(x, off, len);
        else exactScalar(x, off, len);
    }

    /**
     * gelu_new through the identity 0.5·(1 + tanh(u)) = 1 / (1 + e^(-2u)): y = x / (1 + exp(-2u)), one exp per lane.
     * Same function; for very negative x it is more accurate than the float 1 + tanh(u), which cancels.
     * The last partial vector is masked, so an element's result never depends on where it sits.
     */
    public static void tanhApproxVector(float[] x, int off, int len) {
        int ub = S.loopBound(len);
        for (int i = 0; i < ub; i += L) geluNew(FloatVector.fromArray(S, x, off + i)).intoArray(x, off + i);
        if (ub < len) {
            VectorMask<Float> m = S.indexInRange(ub, len);
            geluNew(FloatVector.fromArray(S, x, off + ub, m)).intoArray(x, off + ub, m);
        }
    }

    private static FloatVector geluNew(FloatVector v) {
        FloatVector u = v.mul(v).mul(v).mul(0.044715f).add(v).mul(-2f * SQRT_2_OVER_PI);
        return v.div(VMath.exp(u).add(1f));
    }

    /**
     * Exact GELU through erfc (Numerical Recipes' Chebyshev fit, fractional error below 1.2e-7 everywhere):
     * erfc(z) = t·exp(-z² + P(t)), t = 1/(1 + z/2), z = |x|/√2; then y = x·(1 - erfc/2) for x ≥ 0 and
     * y = x·erfc/2 for x &lt; 0, so the small negative tail keeps its relative accuracy. Masked last vector.
     */
    public static void exactVector(float[] x, int off, int len) {
        int ub = S.loopBound(len);
        for (int i = 0; i < ub; i += L) geluErf(FloatVector.fromArray(S, x, off + i)).intoArray(x, off + i);
        if (ub < len) {
            VectorMask<Float> m = S.indexInRange(ub, len);
            geluErf(FloatVector.fromArray(S, x, off + ub, m)).intoArray(x, off + ub, m);
        }
    }

    private static FloatVector geluErf(FloatVector v) {
        FloatVector z = v.abs().mul(INV_SQRT_2);
        FloatVector t = FloatVector.broadcast(S, 1f).div(z.mul(0.5f).add(1f));
        FloatVector poly = t.mul(0.17087277f).add(-0.82215223f);
        poly = poly.fma(t, FloatVector.broadcast(S, 1.48851587f));
        poly = poly.fma(t, FloatVector.broadcast(S, -1.13520398f));
        poly = poly.fma(t, FloatVector.broadcast(S, 0.27886807f));
        poly = poly.fma(t, FloatVector.broadcast(S, -0.18628806f));
        poly = poly.fma(t, FloatVector.broadcast(S, 0.09678418f));
        poly = poly.fma(t, FloatVector.broadcast(S, 0.37409196f));
        poly = poly.fma(t, FloatVector.broadcast(S, 1.00002368f));
        poly = poly.fma(t, FloatVector.broadcast(S, -1.26551223f));
        FloatVector halfErfc = t.mul(VMath.exp(z.neg().fma(z, poly))).mul(0.5f);
        VectorMask<Float> neg = v.compare(VectorOperators.LT, 0f);
        return v.mul(halfErfc.neg().add(1f).blend(halfErfc, neg));
    }

    public static void tanhApproxScalar(float[] x, int off, int len) {
        for (int i = off; i < off + len; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (v + 0.044715f * v * v * v)));
        }
    }

    public static void exactScalar(float[] x, int off, int len) {
        for (int i = off; i < off + len; i++) {
            double v = x[i];
            x[i] = (float) (0.5 * v * (1.0 + erf(v / Math.sqrt(2.0))));
        }
    }

    /**
     * erf to ~1e-14 absolute (measured worst 6e-15, near the series / continued fraction split at 2.5, where the
     * alternating series cancels); W. J. Cody's rational approximations would be overkill for float kernels.
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            // Taylor series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2.0 / Math.sqrt(Math.PI) * sum;
        } else {
            // continued fraction for erfc, evaluated bottom-up
            double f = 0.0;
            for (int n = 60; n >= 1; n--) f = (n / 2.0) / (ax + f);
            r = 1.0 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -r : r;
    }
}
