package nci.tensor;

/**
 * GPT-2's activations, in place over x[off .. off+len).
 * {@code gelu_new}: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (GPT-2's default);
 * {@code gelu}: 0.5·x·(1 + erf(x/√2)) (exact).
 */
public final class Gelu {
    private Gelu() {}

    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    public static void tanhApprox(float[] x, int off, int len) { tanhApproxScalar(x, off, len); }

    public static void exact(float[] x, int off, int len) { exactScalar(x, off, len); }

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

    /** erf to ~1e-15 (W. J. Cody's rational approximations are overkill; this uses a series / continued fraction split). */
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
