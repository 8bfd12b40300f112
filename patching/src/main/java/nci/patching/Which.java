package nci.patching;

/**
 * Picks the input (0..n-1) that an embedding reads: called with a complete path ending in {@code emb}.
 * Must be a pure function of the path.
 */
@FunctionalInterface
public interface Which {
    int which(Path path);

    /** Every path reads input {@code k}. */
    static Which always(int k) {
        if (k < 0) throw new IllegalArgumentException("input index must be >= 0, got " + k);
        return path -> k;
    }
}
