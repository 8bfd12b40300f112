package nci.tensor;

/** Numerically stable softmax of one row, in place: exp(x - max) / sum. */
public final class Softmax {
    private Softmax() {}

    public static void inPlace(float[] x, int off, int len) { inPlaceScalar(x, off, len); }

    public static void inPlaceScalar(float[] x, int off, int len) {
        if (len == 0) return;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + len; i++) max = Math.max(max, x[i]);
        float sum = 0f;
        for (int i = off; i < off + len; i++) { float e = (float) Math.exp(x[i] - max); x[i] = e; sum += e; }
        float inv = 1f / sum;
        for (int i = off; i < off + len; i++) x[i] *= inv;
    }
}
