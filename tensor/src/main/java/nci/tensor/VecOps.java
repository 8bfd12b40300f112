package nci.tensor;

/** Elementwise helpers. */
public final class VecOps {
    private VecOps() {}

    /** out[i] = a[i] + b[i] for len elements; out may alias a or b. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        addScalar(a, aOff, b, bOff, out, outOff, len);
    }

    public static void addScalar(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) out[outOff + i] = a[aOff + i] + b[bOff + i];
    }
}
