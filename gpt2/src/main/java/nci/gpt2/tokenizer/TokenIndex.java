package nci.gpt2.tokenizer;

/**
 * Token string → id, as an open-addressing table that can also be probed with a slice of a larger text, or with
 * the concatenation of two slices, without building a String: loading merges.txt looks up 150,000 such slices
 * (left, right and left+right of each merge). Hashes are {@link String#hashCode}'s polynomial, so a String key
 * uses its cached hash. Filled once at load, then only read: safe to share between threads.
 */
final class TokenIndex {
    private final String[] keys;
    private final int[] ids;
    private final int mask;
    private int size;

    TokenIndex(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
        keys = new String[cap];
        ids = new int[cap];
        mask = cap - 1;
    }

    private int slot(int hash) {
        int h = hash * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }

    /** Adds {@code token → id}; returns false (and changes nothing) if the token is already present. */
    boolean add(String token, int id) {
        if ((size + 1) * 2 > keys.length) throw new IllegalStateException("token index over capacity " + keys.length / 2);
        int s = slot(token.hashCode());
        while (keys[s] != null) {
            if (keys[s].equals(token)) return false;
            s = (s + 1) & mask;
        }
        keys[s] = token;
        ids[s] = id;
        size++;
        return true;
    }

    /** The id of {@code token}, or -1. */
    int get(String token) {
        int s = slot(token.hashCode());
        for (String k; (k = keys[s]) != null; s = (s + 1) & mask)
            if (k.equals(token)) return ids[s];
        return -1;
    }

    /** The id of {@code a[aFrom, aTo) + b[bFrom, bTo)} (either part may be empty), or -1. */
    int get(CharSequence a, int aFrom, int aTo, CharSequence b, int bFrom, int bTo) {
        int h = 0;
        for (int i = aFrom; i < aTo; i++) h = 31 * h + a.charAt(i);
        for (int i = bFrom; i < bTo; i++) h = 31 * h + b.charAt(i);
        int aLen = aTo - aFrom, len = aLen + (bTo - bFrom);
        for (int s = slot(h); keys[s] != null; s = (s + 1) & mask) {
            String k = keys[s];
            if (k.length() == len && k.hashCode() == h && matches(k, a, aFrom, aLen, b, bFrom)) return ids[s];
        }
        return -1;
    }

    private static boolean matches(String k, CharSequence a, int aFrom, int aLen, CharSequence b, int bFrom) {
        for (int i = 0; i < aLen; i++) if (k.charAt(i) != a.charAt(aFrom + i)) return false;
        for (int i = aLen; i < k.length(); i++) if (k.charAt(i) != b.charAt(bFrom + i - aLen)) return false;
        return true;
    }

    int size() {
        return size;
    }
}
