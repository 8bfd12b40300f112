package nci.tensor;

/**
 * Matrix multiply with bias: the one kernel that carries most of GPT-2's FLOPs.
 * {@code matmul} is the fast path; {@code matmulScalar} is its scalar twin and reference.
 */
public final class Gemm {
    private Gemm() {}

    /**
     * c[m, n] = a[m, k] · b[k, n] + bias[n]  (c overwritten; bias may be null).
     * a, c row-major from aOff / cOff with row strides k / n; b = HuggingFace Conv1D layout [in, out].
     */
    public static void matmul(float[] a, int aOff, int m, int k, Mat b, float[] bias, float[] c, int cOff) {
        matmulScalar(a, aOff, m, k, b, bias, c, cOff);
    }

    /** c[m, n] = a[m, k] · bt[n, k]ᵀ (no bias): the tied LM head, logits = h · wteᵀ. */
    public static void matmulTransposed(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff) {
        matmulTransposedScalar(a, aOff, m, k, bt, c, cOff);
    }

    public static void matmulScalar(float[] a, int aOff, int m, int k, Mat b, float[] bias, float[] c, int cOff) {
        check(a, aOff, m, k, b.rows(), b.cols(), c, cOff, "b");
        int n = b.cols();
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * n;
            for (int j = 0; j < n; j++) c[ci + j] = bias == null ? 0f : bias[j];
            for (int p = 0; p < k; p++) {
                float av = a[aOff + i * k + p];
                for (int j = 0; j < n; j++) c[ci + j] += av * b.get(p, j);
            }
        }
    }

    public static void matmulTransposedScalar(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff) {
        check(a, aOff, m, k, bt.cols(), bt.rows(), c, cOff, "bt");
        int n = bt.rows();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) s += a[aOff + i * k + p] * bt.get(j, p);
                c[cOff + i * n + j] = s;
            }
        }
    }

    static void check(float[] a, int aOff, int m, int k, int bk, int n, float[] c, int cOff, String bName) {
        if (bk != k) throw new IllegalArgumentException("inner dimensions differ: a has k=" + k + ", " + bName + " has " + bk);
        if (aOff < 0 || (long) aOff + (long) m * k > a.length)
            throw new IllegalArgumentException("a too small: need " + ((long) aOff + (long) m * k) + " floats, has " + a.length);
        if (cOff < 0 || (long) cOff + (long) m * n > c.length)
            throw new IllegalArgumentException("c too small: need " + ((long) cOff + (long) m * n) + " floats, has " + c.length);
    }
}
