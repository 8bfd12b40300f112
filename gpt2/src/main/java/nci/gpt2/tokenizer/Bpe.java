package nci.gpt2.tokenizer;

/**
 * Byte-pair merging of one pre-token, in place over an array of symbol ids. The rule (OpenAI's and HF's
 * {@code bpe}): while some adjacent pair is a merge, take the pair with the lowest rank and merge all its
 * non-overlapping occurrences left to right ({@code a a a} with {@code (a, a)} gives {@code aa a}).
 *
 * <p>Two implementations of that one rule: {@link #mergeByScan} rescans all pairs after each step
 * (O(n²), fastest for the short words that are nearly all input), and {@link #mergeByHeap} for long pieces
 * (O(n log n)): a linked list of symbols and a min-heap of (rank, position) entries; entries made stale by an
 * earlier merge are recognised on pop (the pair now at that position has another rank, or the position is gone) and
 * skipped. Entries of one rank pop in position order, which is HF's left-to-right pass; pairs created while merging
 * rank r wait until every rank-r entry is done, so the result is the same even for merge files in which a merged
 * symbol's own merges rank below it.
 */
final class Bpe {
    private Bpe() {}

    /** Pieces longer than this many bytes use {@link #mergeByHeap}. */
    static final int HEAP_THRESHOLD = 48;

    /** Merges {@code w[0, len)} in place; returns the new length. */
    static int merge(int[] w, int len, MergeTable merges) {
        return len > HEAP_THRESHOLD ? mergeByHeap(w, len, merges) : mergeByScan(w, len, merges);
    }

    static int mergeByScan(int[] w, int len, MergeTable merges) {
        while (len > 1) {
            // The pair with the lowest rank; the value's high half is the rank, so the smallest value wins.
            long best = Long.MAX_VALUE;
            int bestAt = -1;
            for (int k = 0; k + 1 < len; k++) {
                long v = merges.lookup(w[k], w[k + 1]);
                if (v != MergeTable.NONE && v < best) {
                    best = v;
                    bestAt = k;
                }
            }
            if (bestAt < 0) break;
            int left = w[bestAt], right = w[bestAt + 1], merged = (int) best;
            int o = 0;
            for (int k = 0; k < len; ) {
                if (k + 1 < len && w[k] == left && w[k + 1] == right) {
                    w[o++] = merged;
                    k += 2;
                } else {
                    w[o++] = w[k++];
                }
            }
            len = o;
        }
        return len;
    }

    static int mergeByHeap(int[] w, int len, MergeTable merges) {
        if (len < 2) return len;
        // Symbol nodes are the initial positions 0..len-1; a merged symbol lives at its left node.
        int[] next = new int[len], prev = new int[len];
        boolean[] dead = new boolean[len];
        for (int i = 0; i < len; i++) {
            next[i] = i + 1 < len ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(len);
        LongHeap pending = new LongHeap(16);    // pairs created during the current rank, pushed when it is done
        for (int i = 0; i + 1 < len; i++) {
            long v = merges.lookup(w[i], w[i + 1]);
            if (v != MergeTable.NONE) heap.push((v & 0xFFFFFFFF00000000L) | i);
        }
        long currentRank = -1;
        while (true) {
            if (pending.size() > 0 && (heap.size() == 0 || (heap.peek() >>> 32) != currentRank)) {
                while (pending.size() > 0) heap.push(pending.pop());
            }
            if (heap.size() == 0) break;
            long e = heap.pop();
            int rank = (int) (e >>> 32), p = (int) e;
            int q = next[p];
            if (dead[p] || q < 0) continue;
            long v = merges.lookup(w[p], w[q]);
            if (v == MergeTable.NONE || (int) (v >>> 32) != rank) continue;   // stale
            currentRank = rank;
            w[p] = (int) v;
            dead[q] = true;
            next[p] = next[q];
            if (next[q] >= 0) prev[next[q]] = p;
            int l = prev[p];
            if (l >= 0) {
                long lv = merges.lookup(w[l], w[p]);
                if (lv != MergeTable.NONE) pending.push((lv & 0xFFFFFFFF00000000L) | l);
            }
            if (next[p] >= 0) {
                long rv = merges.lookup(w[p], w[next[p]]);
                if (rv != MergeTable.NONE) pending.push((rv & 0xFFFFFFFF00000000L) | p);
            }
        }
        int o = 0;
        for (int i = 0; i >= 0; i = next[i]) w[o++] = w[i];
        return o;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int n;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        int size() {
            return n;
        }

        long peek() {
            return a[0];
        }

        void push(long v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            int i = n++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long v = a[--n];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= n) break;
                if (c + 1 < n && a[c + 1] < a[c]) c++;
                if (a[c] >= v) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = v;
            return top;
        }
    }
}
