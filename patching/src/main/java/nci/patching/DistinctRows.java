package nci.patching;

import java.lang.foreign.MemorySegment;

/**
 * The distinct rows of a stacked [M, width] matrix, bit for bit: which rows a row-wise computation needs to run on.
 *
 * <p>Row keys ({@link Keys}) commit to a row and everything before it, because that is what causal attention
 * reads. A row-wise computation (layer norm, c_attn, the MLP, the LM head) reads only the row itself, so rows with
 * different keys can still be equal: a position split takes row P from the counterfactual stream and the other
 * rows from the clean one, and its rows after P are the clean stream's rows under new keys. In a node × position
 * sweep about one row in nine of the qkv and MLP stages is such a repeat. Comparing contents finds them. Rows are
 * compared by their raw bits ({@code 0.0} and {@code -0.0} differ, as do NaNs with different payloads), so a row's
 * output here is the output it would have on its own: the kernels compute each output row from its input row alone,
 * by the same operations whatever rows share the call.
 *
 * <p>Cost: one pass over the matrix (a multiply-xor hash per row, then a bitwise comparison per equal hash).
 */
final class DistinctRows {
    private final int count;
    private final int[] of;
    private final int[] first;

    private DistinctRows(int count, int[] of, int[] first) {
        this.count = count;
        this.of = of;
        this.first = first;
    }

    /** The distinct rows of x [M, width] (row r at {@code r * width}), numbered in order of first appearance. */
    static DistinctRows of(float[] x, int M, int width) {
        return of(x, M, width, DistinctRows::hash);
    }

    /** A hash of x[off, off + n); equal rows must get equal hashes (tests give every row the same one). */
    interface RowHash {
        long of(float[] x, int off, int n);
    }

    /** {@link #of(float[], int, int)} with another row hash. */
    static DistinctRows of(float[] x, int M, int width, RowHash rowHash) {
        if (M < 0 || width <= 0 || (long) M * width > x.length)
            throw new IllegalArgumentException("rows: " + M + " rows of width " + width + " do not fit " + x.length + " floats");
        int[] of = new int[M];
        int[] first = new int[M];
        long[] hash = new long[M];
        int[] table = new int[Math.max(2, Integer.highestOneBit(Math.max(1, 2 * M - 1)) << 1)];   // row + 1, or 0
        int mask = table.length - 1, count = 0;
        MemorySegment all = MemorySegment.ofArray(x);
        long bytes = 4L * width;
        for (int r = 0; r < M; r++) {
            long h = rowHash.of(x, r * width, width);
            hash[r] = h;
            int slot = (int) (h ^ (h >>> 32)) & mask, u = -1;
            for (int e; (e = table[slot]) != 0; slot = (slot + 1) & mask) {
                int s = e - 1;
                if (hash[s] == h && all.asSlice(s * bytes, bytes).mismatch(all.asSlice(r * bytes, bytes)) < 0) {
                    u = of[s];
                    break;
                }
            }
            if (u < 0) {
                table[slot] = r + 1;
                first[count] = r;
                u = count++;
            }
            of[r] = u;
        }
        return new DistinctRows(count, of, first);
    }

    /** M rows taken as all distinct, without looking (where nothing may be shared: the cache is off). */
    static DistinctRows each(int M) {
        int[] id = new int[M];
        for (int r = 0; r < M; r++) id[r] = r;
        return new DistinctRows(M, id, id);
    }

    /** How many distinct rows. */
    int count() { return count; }

    /** Which distinct row (0..count-1) row r is. */
    int of(int r) { return of[r]; }

    /** The distinct rows of x [M, width], stacked in order [count, width]; x itself when all rows are distinct. */
    float[] compact(float[] x, int width) {
        if (count == of.length) return x;
        float[] out = new float[count * width];
        for (int u = 0; u < count; u++) System.arraycopy(x, first[u] * width, out, u * width, width);
        return out;
    }

    /** The rows' values [M, width] from the distinct rows' values y [count, width]; y itself when all were distinct. */
    float[] expand(float[] y, int width) {
        if (count == of.length) return y;
        float[] out = new float[of.length * width];
        for (int r = 0; r < of.length; r++) System.arraycopy(y, of[r] * width, out, r * width, width);
        return out;
    }

    /** A 64-bit hash of x[off, off + n) by raw bits: four multiply-xor chains, then a finaliser. */
    static long hash(float[] x, int off, int n) {
        final long m = 0x9E3779B97F4A7C15L;
        long h0 = n, h1 = 1, h2 = 2, h3 = 3;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            h0 = (h0 ^ Float.floatToRawIntBits(x[off + i])) * m;
            h1 = (h1 ^ Float.floatToRawIntBits(x[off + i + 1])) * m;
            h2 = (h2 ^ Float.floatToRawIntBits(x[off + i + 2])) * m;
            h3 = (h3 ^ Float.floatToRawIntBits(x[off + i + 3])) * m;
        }
        for (; i < n; i++) h0 = (h0 ^ Float.floatToRawIntBits(x[off + i])) * m;
        long h = h0 ^ Long.rotateLeft(h1, 16) ^ Long.rotateLeft(h2, 32) ^ Long.rotateLeft(h3, 48);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }
}
