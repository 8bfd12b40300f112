package nci.gpt2;

import static org.junit.jupiter.api.Assertions.fail;

/** Elementwise comparison with the fixtures' tolerance, reporting max abs error and the first differing values. */
public final class TensorAssert {
    private TensorAssert() {}

    /** The fixtures README's tolerance: |java - ref| <= ATOL + RTOL·|ref|. */
    public static final double ATOL = 1e-4, RTOL = 1e-4;

    /** Asserts closeness; returns the max abs error. */
    public static double assertClose(String name, float[] expected, float[] actual) {
        return assertClose(name, expected, actual, ATOL, RTOL);
    }

    public static double assertClose(String name, float[] expected, float[] actual, double atol, double rtol) {
        if (expected.length != actual.length)
            fail(name + ": length " + actual.length + " (java) != " + expected.length + " (reference)");
        double maxAbs = 0;
        int maxAt = 0, bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(diff)) diff = Double.POSITIVE_INFINITY;
            if (diff > maxAbs) { maxAbs = diff; maxAt = i; }
            if (diff > atol + rtol * Math.abs(expected[i])) {
                if (bad++ < 5) first.append(String.format("%n  [%d] java=%.9g ref=%.9g |diff|=%.3g", i, actual[i], expected[i], diff));
            }
        }
        if (bad > 0)
            fail(String.format("%s: %d of %d values differ beyond %.0e + %.0e·|ref|; max abs error %.6g at [%d]; first:%s",
                    name, bad, expected.length, atol, rtol, maxAbs, maxAt, first));
        return maxAbs;
    }
}
