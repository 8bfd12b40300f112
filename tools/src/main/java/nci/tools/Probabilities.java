package nci.tools;

/** Softmax and top-k over one logits row, in double for stable small probabilities. */
final class Probabilities {
    private Probabilities() {}

    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) max = Math.max(max, x);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) { p[i] = Math.exp(logits[i] - max); sum += p[i]; }
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    /** Indices of the k largest values, largest first (ties: lower index first). */
    static int[] topK(double[] p, int k) {
        k = Math.max(0, Math.min(k, p.length));
        int[] best = new int[k];
        if (k == 0) return best;
        int n = 0;
        for (int i = 0; i < p.length; i++) {
            if (n < k) { best[n++] = i; bubble(best, n, p); }
            else if (p[i] > p[best[k - 1]]) { best[k - 1] = i; bubble(best, k, p); }
        }
        return best;
    }

    private static void bubble(int[] best, int n, double[] p) {
        for (int j = n - 1; j > 0 && p[best[j]] > p[best[j - 1]]; j--) { int t = best[j]; best[j] = best[j - 1]; best[j - 1] = t; }
    }
}
