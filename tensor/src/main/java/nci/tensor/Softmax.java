package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Numerically stable softmax of one row, in place: exp(x - max) / sum. */
public final class Softmax {
    private Softmax() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();

    public static void inPlace(float[] x, int off, int len) {
        if (VectorInfo.ENABLED) inPlaceVector(x, off, len);
        else inPlaceScalar(x, off, len);
    }

    /** exp is the Vector API's lanewise EXP (an SVML-class intrinsic, within a few ulp of Math.exp). */
    public static void inPlaceVector(float[] x, int off, int len) {
        if (len == 0) return;
        int ub = S.loopBound(len);
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (ub > 0) {
            FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < ub; i += L) vmax = vmax.max(FloatVector.fromArray(S, x, off + i));
            max = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (; i < len; i++) max = Math.max(max, x[off + i]);

        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vsum = FloatVector.zero(S);
        for (i = 0; i < ub; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, off + i).sub(vm).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + i);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) { float e = (float) Math.exp(x[off + i] - max); x[off + i] = e; sum += e; }

        float inv = 1f / sum;
        FloatVector vinv = FloatVector.broadcast(S, inv);
        for (i = 0; i < ub; i += L) FloatVector.fromArray(S, x, off + i).mul(vinv).intoArray(x, off + i);
        for (; i < len; i++) x[off + i] *= inv;
    }

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
