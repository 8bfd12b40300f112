package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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

    /**
     * Max, then exp(x - max) and its sum, then scaling, each vectorised; the last partial vector is handled with
     * masks, so every element goes through the same {@link VMath#exp} whatever its position, and the lane sums are
     * reduced in {@link VMath}'s fixed order (bit-identical interpreted or compiled).
     */
    public static void inPlaceVector(float[] x, int off, int len) {
        if (len == 0) return;
        int ub = S.loopBound(len);
        VectorMask<Float> tail = S.indexInRange(ub, len);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < ub; i += L) vmax = vmax.max(FloatVector.fromArray(S, x, off + i));
        if (ub < len) vmax = vmax.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + ub, tail), tail);
        FloatVector vm = FloatVector.broadcast(S, VMath.max(vmax));

        FloatVector vsum = FloatVector.zero(S);
        for (int i = 0; i < ub; i += L) {
            FloatVector e = VMath.exp(FloatVector.fromArray(S, x, off + i).sub(vm));
            e.intoArray(x, off + i);
            vsum = vsum.add(e);
        }
        if (ub < len) {
            FloatVector e = VMath.exp(FloatVector.fromArray(S, x, off + ub, tail).sub(vm));
            e.intoArray(x, off + ub, tail);
            vsum = vsum.add(e, tail);
        }
        FloatVector vinv = FloatVector.broadcast(S, 1f / VMath.sum(vsum));
        for (int i = 0; i < ub; i += L) FloatVector.fromArray(S, x, off + i).mul(vinv).intoArray(x, off + i);
        if (ub < len) FloatVector.fromArray(S, x, off + ub, tail).mul(vinv).intoArray(x, off + ub, tail);
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
