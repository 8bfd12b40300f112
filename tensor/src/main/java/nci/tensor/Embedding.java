package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** GPT-2's input embedding: out[t] = wte[ids[t]] + wpe[posStart + t]. */
public final class Embedding {
    private Embedding() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    public static void lookup(Mat wte, Mat wpe, int[] ids, int idsOff, int T, int posStart, float[] out, int outOff) {
        if (VectorInfo.ENABLED) lookupVector(wte, wpe, ids, idsOff, T, posStart, out, outOff);
        else lookupScalar(wte, wpe, ids, idsOff, T, posStart, out, outOff);
    }

    /** Reads both rows straight from the (possibly mapped) segments, one vector of each per step. */
    public static void lookupVector(Mat wte, Mat wpe, int[] ids, int idsOff, int T, int posStart, float[] out, int outOff) {
        int e = check(wte, wpe, T, posStart);
        MemorySegment te = wte.data(), pe = wpe.data();
        int ub = S.loopBound(e);
        for (int t = 0; t < T; t++) {
            int id = checkId(wte, ids[idsOff + t], t);
            long tb = wte.byteOffset(id, 0), pb = wpe.byteOffset(posStart + t, 0);
            int oo = outOff + t * e;
            int i = 0;
            for (; i < ub; i += L) {
                long bo = (long) i * Float.BYTES;
                FloatVector.fromMemorySegment(S, te, tb + bo, NATIVE)
                        .add(FloatVector.fromMemorySegment(S, pe, pb + bo, NATIVE)).intoArray(out, oo + i);
            }
            for (; i < e; i++) out[oo + i] = wte.get(id, i) + wpe.get(posStart + t, i);
        }
    }

    public static void lookupScalar(Mat wte, Mat wpe, int[] ids, int idsOff, int T, int posStart, float[] out, int outOff) {
        int e = check(wte, wpe, T, posStart);
        for (int t = 0; t < T; t++) {
            int id = checkId(wte, ids[idsOff + t], t);
            int oo = outOff + t * e;
            for (int i = 0; i < e; i++) out[oo + i] = wte.get(id, i) + wpe.get(posStart + t, i);
        }
    }

    private static int check(Mat wte, Mat wpe, int T, int posStart) {
        int e = wte.cols();
        if (wpe.cols() != e) throw new IllegalArgumentException("wte width " + e + " != wpe width " + wpe.cols());
        if (T < 0) throw new IllegalArgumentException("negative token count " + T);
        if (posStart < 0 || posStart + T > wpe.rows())
            throw new IllegalArgumentException("positions " + posStart + ".." + (posStart + T - 1)
                    + " exceed n_positions " + wpe.rows());
        return e;
    }

    private static int checkId(Mat wte, int id, int t) {
        if (id < 0 || id >= wte.rows())
            throw new IllegalArgumentException("token id " + id + " at position " + t + " outside vocabulary [0, " + wte.rows() + ")");
        return id;
    }
}
