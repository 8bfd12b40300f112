package nci.gpt2.tokenizer;

/**
 * The BPE merges as an open-addressing hash map from a pair of token ids to (rank, merged id), with no boxing:
 * the key is {@code left << 32 | right}, the value {@code rank << 32 | merged}. Rank 0 is the first merge in
 * merges.txt and wins over every later one. Built once, then only read, so sharing it between threads is safe.
 */
final class MergeTable {
    /** Marks an empty slot; no real key has it, since ids are non-negative. */
    private static final long EMPTY = -1L;
    /** Returned by {@link #lookup} when the pair is not a merge. */
    static final long NONE = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private int size;

    /** A table with room for {@code expected} merges at a load factor of at most 1/2. */
    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
        keys = new long[cap];
        values = new long[cap];
        java.util.Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Adds or replaces the merge {@code (left, right) -> merged} with {@code rank}. */
    void put(int left, int right, int rank, int merged) {
        long k = key(left, right);
        int s = slot(k);
        while (keys[s] != EMPTY && keys[s] != k) s = (s + 1) & mask;
        if (keys[s] == EMPTY) {
            if ((size + 1) * 2 > keys.length) throw new IllegalStateException("merge table over capacity " + keys.length / 2);
            keys[s] = k;
            size++;
        }
        values[s] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
    }

    /** {@code rank << 32 | merged} for the pair, or {@link #NONE}. Ranks are non-negative, so NONE sorts apart. */
    long lookup(int left, int right) {
        long k = key(left, right);
        int s = slot(k);
        while (true) {
            long kk = keys[s];
            if (kk == k) return values[s];
            if (kk == EMPTY) return NONE;
            s = (s + 1) & mask;
        }
    }

    int size() {
        return size;
    }
}
