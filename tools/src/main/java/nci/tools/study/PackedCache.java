package nci.tools.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import nci.gpt2.Gpt2Loader;
import nci.gpt2.Gpt2Model;
import nci.gpt2.PackedWeights;
import nci.tools.hub.HubSettings;

/**
 * The commands' use of {@link PackedWeights}: a model's layer matrices packed for the GEMM, in a file under the cache
 * folder, written once per model and read by every later command. When the file is there and matches the weights,
 * {@link #open} attaches it to the model (the plain forward and the patching engine then multiply over it: the same
 * bits, no packing on every product). When it is not, {@link #open} starts writing it on a background thread while
 * the command computes as before, or, for a command that runs many products ({@code inMemory}), packs the copy in
 * memory first, attaches it, and writes that copy on the background thread; {@link #close} waits for the write, so the
 * file is whole when the command ends.
 * After writing, it deletes the copies in the folder that no model can use again ({@link PackedWeights#pruneStale}:
 * their weight files have changed or gone). Writing and pruning are silent; a cache that cannot be used is reported
 * on stderr in one line, and the command goes on without it.
 */
public final class PackedCache implements AutoCloseable {

    private final Path dir;
    /** The background write, if one was started (set before it starts, read by the opening thread). */
    private Thread writer;
    private volatile Throwable failure;

    private PackedCache(Path dir) {
        this.dir = dir;
    }

    /**
     * Where the packed copies go: {@code -Dnci.cache.dir}, else {@code $NCI_CACHE_DIR}, else
     * {@code $XDG_CACHE_HOME/nci}, else {@code ~/.cache/nci}; {@code packed/} under it (a leading {@code ~} is the
     * home folder, as for the HuggingFace variables).
     */
    public static Path dir(Map<String, String> env) {
        String prop = System.getProperty("nci.cache.dir"), var = env.get("NCI_CACHE_DIR");
        Path base = prop != null && !prop.isBlank() ? HubSettings.expandUser(prop)
                : var != null && !var.isBlank() ? HubSettings.expandUser(var)
                : HubSettings.cacheBase(env).resolve("nci");
        return base.resolve("packed").toAbsolutePath();
    }

    /** Does nothing: for --no-packed-cache and for models that were not loaded from a folder. */
    public static PackedCache off() { return new PackedCache(null); }

    /**
     * Loads the model in {@code folder} ({@link Gpt2Loader#load(Path, java.util.function.Consumer)}), attaching its
     * cached packed copy when there is a valid one, so that the load need not check the layer matrices' values again.
     * Silent about a cache it cannot use: {@link #open} then tries to write one, and says what went wrong.
     */
    public static Gpt2Model load(Path folder) throws IOException {
        return Gpt2Loader.load(folder, m -> {
            try {
                String stamp = PackedWeights.stamp(folder);
                PackedWeights.attachIfValid(m, stamp, dir(System.getenv()).resolve(PackedWeights.fileName(stamp)));
            } catch (IOException | RuntimeException e) {
                // open() meets the same problem when it tries to write the copy, and reports it
            }
        });
    }

    /**
     * Attaches the cached packed copy of the weights of {@code model}, loaded from {@code folder}, or starts writing
     * it (see the class comment); nothing to do when {@link #load} attached it already. With {@code inMemory}, a
     * missing copy that {@link PackedWeights#fitsInMemory} is packed in memory and attached before the write starts
     * ({@link PackedWeights#pack}): for the commands that run many products (a sweep's first run on a model then runs
     * as its later runs do), at the cost of holding the copy beside the weights' pages for this run (GPT-2 small:
     * 324 MiB); a one-forward command passes false. Never throws for a cache it cannot use: it says so on stderr and
     * returns one that does nothing.
     */
    public static PackedCache open(Gpt2Model model, Path folder, boolean inMemory) {
        Path dir = dir(System.getenv());
        if (model.packedWeights() != null) return new PackedCache(dir);
        try {
            String stamp = PackedWeights.stamp(folder);
            Path file = dir.resolve(PackedWeights.fileName(stamp));
            if (PackedWeights.attachIfValid(model, stamp, file)) return new PackedCache(dir);
            PackedCache c = new PackedCache(dir);
            PackedWeights packed = inMemory && PackedWeights.fitsInMemory(model) ? PackedWeights.pack(model, stamp, file) : null;
            if (packed != null) model.usePackedWeights(packed);
            c.writer = Thread.ofPlatform().name("nci-packed-writer").unstarted(() -> {
                try {
                    if (packed != null) packed.save();
                    else PackedWeights.write(model, stamp, file);
                } catch (Throwable e) {
                    c.failure = e;
                    return;
                }
                try {
                    PackedWeights.pruneStale(dir, file);
                } catch (IOException | RuntimeException e) {
                    // housekeeping only: the copy is written; stale ones stay until a later write prunes them
                }
            });
            c.writer.start();
            return c;
        } catch (IOException | RuntimeException e) {
            System.err.println("nci: packed weights cache " + dir + " not used: " + describe(e));
            return off();
        }
    }

    /** Waits for a background write to end; reports on stderr (one line) when it failed. */
    @Override
    public void close() {
        if (writer == null) return;
        boolean interrupted = false;
        while (true) {
            try {
                writer.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        Throwable f = failure;
        if (f != null) System.err.println("nci: packed weights cache " + dir + " not written: " + describe(f));
    }

    /** A file-system error's message is often just the path: add what happened. */
    private static String describe(Throwable f) {
        if (f instanceof java.nio.file.FileSystemException fse && fse.getReason() == null)
            return fse.getClass().getSimpleName() + " " + fse.getMessage();
        return f.getMessage();
    }
}
