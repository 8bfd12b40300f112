package nci.patching;

/**
 * Decides where the computation splits: called with a path ending in {@code aN}, {@code aN.head},
 * {@code aN.headH}, {@code fN} or {@code fN.head} (never {@code ln_final}, {@code emb} or {@code *.posP}).
 * Must be a pure function of the path.
 */
@FunctionalInterface
public interface Branch {
    Split branch(Path path);

    /** Never splits: a plain forward of whatever {@link Which} picks. */
    Branch NONE = path -> Split.NONE;
}
