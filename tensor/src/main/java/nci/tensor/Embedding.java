package nci.tensor;

/** GPT-2's input embedding: out[t] = wte[ids[t]] + wpe[posStart + t]. */
public final class Embedding {
    private Embedding() {}

    public static void lookup(Mat wte, Mat wpe, int[] ids, int idsOff, int T, int posStart, float[] out, int outOff) {
        int e = wte.cols();
        if (wpe.cols() != e) throw new IllegalArgumentException("wte width " + e + " != wpe width " + wpe.cols());
        if (posStart < 0 || posStart + T > wpe.rows())
            throw new IllegalArgumentException("positions " + posStart + ".." + (posStart + T - 1)
                    + " exceed n_positions " + wpe.rows());
        float[] pos = new float[e];
        for (int t = 0; t < T; t++) {
            int id = ids[idsOff + t];
            if (id < 0 || id >= wte.rows())
                throw new IllegalArgumentException("token id " + id + " at position " + t + " outside vocabulary [0, " + wte.rows() + ")");
            wte.copyRow(id, out, outOff + t * e);
            wpe.copyRow(posStart + t, pos, 0);
            VecOps.add(out, outOff + t * e, pos, 0, out, outOff + t * e, e);
        }
    }
}
