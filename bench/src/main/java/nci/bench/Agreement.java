package nci.bench;

/**
 * The {@code @Setup} checks that the variants of a benchmark compute the same thing before anything
 * is timed: a mismatch throws, which JMH reports as a failed benchmark instead of a meaningless number.
 */
final class Agreement {
    private Agreement() {}

    /**
     * Throws unless |actual[aOff+i] - expected[eOff+i]| <= tol for i in [0, len) (NaN never agrees).
     * The message names {@code what}, the max abs error, where it is, and the first differing values.
     */
    static void check(String what, float[] actual, int aOff, float[] expected, int eOff, int len, float tol) {
        float maxErr = 0f;
        int worst = -1, firstBad = -1;
        for (int i = 0; i < len; i++) {
            float x = actual[aOff + i], y = expected[eOff + i];
            float err = Math.abs(x - y);
            boolean bad = !(err <= tol);   // also catches NaN
            if (bad && firstBad < 0) firstBad = i;
            if (bad && Float.isNaN(err)) { worst = i; maxErr = Float.NaN; }
            else if (!Float.isNaN(maxErr) && err > maxErr) { maxErr = err; worst = i; }
        }
        if (firstBad < 0) return;
        StringBuilder sb = new StringBuilder(what).append(": max abs error ").append(maxErr)
                .append(" at index ").append(worst).append(" (tolerance ").append(tol).append("); first differing values:");
        int shown = 0;
        for (int i = firstBad; i < len && shown < 5; i++) {
            float x = actual[aOff + i], y = expected[eOff + i];
            if (!(Math.abs(x - y) <= tol)) {
                sb.append(" [").append(i).append("] ").append(x).append(" vs ").append(y);
                shown++;
            }
        }
        throw new IllegalStateException(sb.toString());
    }

    /** Throws unless every value in a[off .. off+len) is finite. */
    static void finite(String what, float[] a, int off, int len) {
        for (int i = 0; i < len; i++)
            if (!Float.isFinite(a[off + i]))
                throw new IllegalStateException(what + ": value at index " + i + " is " + a[off + i] + ", expected finite");
    }
}
