package nci.tensor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/** Test helpers: seeded data and element-wise comparison that reports max abs error and the first differences. */
final class Check {
    private Check() {}

    /** Per-element tolerance, given the index and the reference value. */
    @FunctionalInterface
    interface Tol { double at(int i, float ref); }

    /** Sizes every kernel is held to: 0, 1, lanes-1, lanes+1, 767, 3073, 50257. */
    static int[] sizes() {
        int l = VectorInfo.lanes();
        return new int[] {0, 1, l - 1, l + 1, 767, 3073, 50257};
    }

    static float[] gaussian(long seed, int n, float sigma) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * sigma);
        return x;
    }

    /** Asserts |actual[aOff+i] - expected[eOff+i]| <= tol(i) for i < n (NaN only matches NaN). */
    static void close(String name, float[] expected, int eOff, float[] actual, int aOff, int n, Tol tol) {
        double maxAbs = 0;
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < n; i++) {
            float e = expected[eOff + i], a = actual[aOff + i];
            boolean ok;
            double diff;
            if (Float.isNaN(e) || Float.isNaN(a)) { ok = Float.isNaN(e) && Float.isNaN(a); diff = ok ? 0 : Double.POSITIVE_INFINITY; }
            else if (Float.isInfinite(e) || Float.isInfinite(a)) { ok = e == a; diff = ok ? 0 : Double.POSITIVE_INFINITY; }
            else { diff = Math.abs((double) a - e); ok = diff <= tol.at(i, e); }
            maxAbs = Math.max(maxAbs, diff);
            if (!ok && bad++ < 5)
                first.append(String.format("%n  [%d] expected %s, got %s (|diff| %.3g, tol %.3g)", i, e, a, diff, tol.at(i, e)));
        }
        if (bad > 0)
            fail(name + ": " + bad + " of " + n + " elements out of tolerance, max abs error " + maxAbs + first);
    }

    static void close(String name, float[] expected, float[] actual, Tol tol) {
        if (expected.length != actual.length) fail(name + ": length " + actual.length + ", expected " + expected.length);
        close(name, expected, 0, actual, 0, expected.length, tol);
    }

    /** Bit-for-bit equality (the determinism tests). */
    static void sameBits(String name, float[] expected, float[] actual) {
        if (expected.length != actual.length) fail(name + ": length " + actual.length + ", expected " + expected.length);
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i]) && bad++ < 5)
                first.append(String.format("%n  [%d] expected %s (0x%08x), got %s (0x%08x)", i, expected[i],
                        Float.floatToRawIntBits(expected[i]), actual[i], Float.floatToRawIntBits(actual[i])));
        }
        if (bad > 0) fail(name + ": " + bad + " of " + expected.length + " elements differ in their bits" + first);
    }

    static final double EPS = Math.ulp(1.0f); // 2^-23
}
