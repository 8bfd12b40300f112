package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Elementwise helpers. */
public final class VecOps {
    private VecOps() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();

    /** out[i] = a[i] + b[i] for len elements; out may alias a or b. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        if (VectorInfo.ENABLED) addVector(a, aOff, b, bOff, out, outOff, len);
        else addScalar(a, aOff, b, bOff, out, outOff, len);
    }

    public static void addVector(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        int i = 0;
        for (int ub = S.loopBound(len); i < ub; i += L)
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        for (; i < len; i++) out[outOff + i] = a[aOff + i] + b[bOff + i];
    }

    public static void addScalar(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) out[outOff + i] = a[aOff + i] + b[bOff + i];
    }

    /**
     * Σ a[aOff+i]·b[bOff+i] for i < len: lane-wise fma partial sums, reduced, then a scalar tail.
     * Used by {@link Attention}; the order (lanes, {@link VMath#sum} tree, tail) is fixed, so the bits are too.
     */
    static float dotVector(float[] a, int aOff, float[] b, int bOff, int len) {
        int i = 0;
        float sum = 0f;
        int ub = S.loopBound(len);
        if (ub > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < ub; i += L) acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
            sum = VMath.sum(acc);
        }
        for (; i < len; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }
}
