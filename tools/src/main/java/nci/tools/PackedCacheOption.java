package nci.tools;

import picocli.CommandLine.Option;

/** {@code --no-packed-cache}, shared by the commands that load a model (see {@link nci.tools.study.PackedCache}). */
final class PackedCacheOption {
    @Option(names = "--no-packed-cache", description = "Neither read nor write the packed copy of the layer weights that "
            + "speeds up a model's later runs (kept under $NCI_CACHE_DIR/packed, default ~/.cache/nci/packed).")
    boolean off;

    boolean on() { return !off; }
}
