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
     * <p>Each pass is its own method, and the exp pass calls {@link VMath#exp} from one place, masking every vector
     * (all lanes but in the last): no method here takes or returns a vector. When C2 compiled the two-exp version
     * (one in the loop, one for the tail) as one large unit, it sometimes stopped inlining (NodeCountInliningCutoff)
     * before the tail's exp; that exp then ran as a call with its vectors boxed and its body on the Vector API's
     * Java fallback, and attention ran 1.5-2.5 ms instead of about 0.5 in those JVMs (in a harness that calls it
     * from three places, 8 of 8 JVMs and then 3 of 5). With this structure none of 51 JVMs ran that slowly, though
     * 3 still took 1.25-1.4 ms and a few about 1 ms (bench/README, session 26).
     */
    public static void inPlaceVector(float[] x, int off, int len) {
        if (len == 0) return;
        float max = maxVector(x, off, len);
        float inv = 1f / expSumVector(x, off, len, max);
        scaleVector(x, off, len, inv);
    }

    /** The max of x[off .. off+len), len >= 1. */
    private static float maxVector(float[] x, int off, int len) {
        int ub = S.loopBound(len);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < ub; i += L) vmax = vmax.max(FloatVector.fromArray(S, x, off + i));
        if (ub < len) {
            VectorMask<Float> tail = S.indexInRange(ub, len);
            vmax = vmax.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + ub, tail), tail);
        }
        return VMath.max(vmax);
    }

    /** x[i] = exp(x[i] - max) in place; returns their sum (lane sums in order, then {@link VMath#sum}). */
    private static float expSumVector(float[] x, int off, int len, float max) {
        FloatVector vm = FloatVector.broadcast(S, max), vsum = FloatVector.zero(S);
        for (int i = 0; i < len; i += L) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector e = VMath.exp(FloatVector.fromArray(S, x, off + i, m).sub(vm));
            e.intoArray(x, off + i, m);
            vsum = vsum.add(e, m);
        }
        return VMath.sum(vsum);
    }

    /** x[off .. off+len) *= inv. */
    private static void scaleVector(float[] x, int off, int len, float inv) {
        int ub = S.loopBound(len);
        FloatVector vinv = FloatVector.broadcast(S, inv);
        for (int i = 0; i < ub; i += L) FloatVector.fromArray(S, x, off + i).mul(vinv).intoArray(x, off + i);
        if (ub < len) {
            VectorMask<Float> tail = S.indexInRange(ub, len);
            FloatVector.fromArray(S, x, off + ub, tail).mul(vinv).intoArray(x, off + ub, tail);
        }
    }

    /** Elements per float partial sum in {@link #logSumExp}: bounds the float rounding error of each block (~1e-5 relative). */
    private static final int LSE_BLOCK = 1024;

    /**
     * log Σ exp(x[off..off+len)), stably (max subtracted), without writing x: the normaliser of a softmax over a
     * vocabulary. Vector path: {@link VMath#exp} per lane, float lane sums over blocks of {@code LSE_BLOCK}
     * elements added into a double, in a fixed order (same bits every run). Scalar twin: {@link Math#exp} in double.
     * Empty input: -inf.
     */
    public static double logSumExp(float[] x, int off, int len) {
        if (off < 0 || len < 0 || (long) off + len > x.length)
            throw new IllegalArgumentException("range [" + off + ", " + ((long) off + len) + ") outside an array of " + x.length);
        if (len == 0) return Double.NEGATIVE_INFINITY;
        if (!VectorInfo.ENABLED) return logSumExpScalar(x, off, len);
        int ub = S.loopBound(len);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < ub; i += L) vmax = vmax.max(FloatVector.fromArray(S, x, off + i));
        float max = VMath.max(vmax);
        for (int i = ub; i < len; i++) max = Math.max(max, x[off + i]);
        if (max == Float.POSITIVE_INFINITY || Float.isNaN(max)) return max;
        if (max == Float.NEGATIVE_INFINITY) return Double.NEGATIVE_INFINITY;
        FloatVector vm = FloatVector.broadcast(S, max);
        double sum = 0;
        for (int b = 0; b < ub; b += LSE_BLOCK) {
            int be = Math.min(ub, b + LSE_BLOCK);
            FloatVector vsum = FloatVector.zero(S);
            for (int i = b; i < be; i += L) vsum = vsum.add(VMath.exp(FloatVector.fromArray(S, x, off + i).sub(vm)));
            sum += VMath.sum(vsum);
        }
        for (int i = ub; i < len; i++) sum += Math.exp((double) x[off + i] - max);
        return max + Math.log(sum);
    }

    static double logSumExpScalar(float[] x, int off, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = off; i < off + len; i++) max = Math.max(max, x[i]);
        if (Double.isInfinite(max) || Double.isNaN(max)) return max;
        double s = 0;
        for (int i = off; i < off + len; i++) s += Math.exp(x[i] - max);
        return max + Math.log(s);
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
