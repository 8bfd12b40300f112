package nci.patching;

/**
 * Read-outs of a patched run, over logits [T, V] row-major (or a single row [V] with row = 0).
 * The softmax normaliser is {@link nci.tensor.Softmax#logSumExp} (max subtracted, vectorised exps, block sums in
 * double); probabilities are exp(logit - logSumExp) in double, so tiny ones (1e-10, 1e-30) keep their relative
 * precision.
 */
public final class Metrics {
    private Metrics() {}

    /** log Σ_v exp(logits[row, v]). */
    public static double logSumExp(float[] logits, int row, int V) {
        check(logits, row, V);
        return nci.tensor.Softmax.logSumExp(logits, row * V, V);
    }

    /** softmax(logits[row])[id] for each id. */
    public static double[] probabilities(float[] logits, int row, int V, int[] ids) {
        double lse = logSumExp(logits, row, V);
        double[] out = new double[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.exp(logits[row * V + checkId(ids[i], V)] - lse);
        return out;
    }

    /** logits[row, id] for each id. */
    public static double[] logits(float[] logits, int row, int V, int[] ids) {
        check(logits, row, V);
        double[] out = new double[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = logits[row * V + checkId(ids[i], V)];
        return out;
    }

    /** logits[row, a] - logits[row, b]: the usual "correct minus incorrect" metric. */
    public static double logitDiff(float[] logits, int row, int V, int a, int b) {
        check(logits, row, V);
        return (double) logits[row * V + checkId(a, V)] - logits[row * V + checkId(b, V)];
    }

    /** Mean over {@code rows} of {@link #logitDiff}. */
    public static double logitDiff(float[] logits, int[] rows, int V, int a, int b) {
        double s = 0;
        for (int r : rows) s += logitDiff(logits, r, V, a, b);
        return s / rows.length;
    }

    /**
     * KL(clean ‖ patched) = Σ_v p_clean(v) (log p_clean(v) - log p_patched(v)) at one row, in nats.
     *
     * <p>In double throughout, as {@code Σ p d / Z_c + log(Z_p / Z_c)} with {@code d = clean - patched} and both
     * partition sums taken over exponentials shifted by their row's maximum. It used to subtract two float32
     * log-sum-exps, whose rounding (about 1e-7 of values near 10) swamped a small KL: 2.9e-7 against 2.7e-7 between
     * the vector and scalar sums, and 0 for a KL of 4e-12. Now its error is that of double sums, far below 1e-12.
     */
    public static double klDivergence(float[] clean, float[] patched, int row, int V) {
        check(clean, row, V);
        check(patched, row, V);
        int o = row * V;
        float mc = Float.NEGATIVE_INFINITY, mp = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < V; v++) {
            mc = Math.max(mc, clean[o + v]);
            mp = Math.max(mp, patched[o + v]);
        }
        double zc = 0, zp = 0, pd = 0;
        for (int v = 0; v < V; v++) {
            double e = Math.exp((double) clean[o + v] - mc);
            zc += e;
            zp += Math.exp((double) patched[o + v] - mp);
            pd += e * ((double) clean[o + v] - patched[o + v]);
        }
        // log p_c = c - mc - log zc, log p_p = p - mp - log zp: the difference's mean under p_c
        double kl = pd / zc - (mc - mp) + Math.log(zp) - Math.log(zc);
        return Math.max(0, kl);
    }

    /** Mean over {@code rows} of {@link #klDivergence}. */
    public static double klDivergence(float[] clean, float[] patched, int[] rows, int V) {
        double s = 0;
        for (int r : rows) s += klDivergence(clean, patched, r, V);
        return s / rows.length;
    }

    private static void check(float[] logits, int row, int V) {
        if (V <= 0) throw new IllegalArgumentException("vocabulary size must be > 0, got " + V);
        if (row < 0 || (long) (row + 1) * V > logits.length)
            throw new IllegalArgumentException("row " + row + " outside logits of " + (logits.length / V) + " rows of " + V);
    }

    private static int checkId(int id, int V) {
        if (id < 0 || id >= V) throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + V + ")");
        return id;
    }
}
