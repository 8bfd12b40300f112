package nci.tools.study;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;
import nci.gpt2.Gpt2Loader;
import nci.gpt2.Gpt2Model;
import nci.gpt2.PackedWeights;
import nci.patching.ModelDigest;
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
 *
 * <p>Beside the copies it keeps each model's {@link ModelDigest} ({@link #digest}), which the patching engine needs
 * and which otherwise costs a SHA-256 over every weight in every command (GPT-2 small: 0.9-1.3 s in a fresh JVM).
 */
public final class PackedCache implements AutoCloseable {

    private final Path dir;
    /** The model folder whose copy this is; null when off. */
    private final Path folder;
    /** The background write, if one was started (set before it starts, read by the opening thread). */
    private Thread writer;
    private volatile Throwable failure;

    private PackedCache(Path dir, Path folder) {
        this.dir = dir;
        this.folder = folder;
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
    public static PackedCache off() { return new PackedCache(null, null); }

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
        if (model.packedWeights() != null) return new PackedCache(dir, folder);
        try {
            String stamp = PackedWeights.stamp(folder);
            Path file = dir.resolve(PackedWeights.fileName(stamp));
            if (PackedWeights.attachIfValid(model, stamp, file)) return new PackedCache(dir, folder);
            PackedCache c = new PackedCache(dir, folder);
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

    /** First line of a digest file ({@link #digest}). */
    private static final String DIGEST_MAGIC = "nci-model-digest/1";
    private static final Pattern DIGEST_NAME = Pattern.compile("digest-[0-9a-f]{32}\\.txt");

    /**
     * {@code model}'s {@link ModelDigest} ({@link ModelDigest#of(Gpt2Model)}, a SHA-256 over its config and every
     * weight), kept in the cache folder as {@code digest-<hash of the stamp>.txt}: three parts, the line
     * {@value #DIGEST_MAGIC}, the line {@code sha256:<64 hex digits>}, then the folder's {@link PackedWeights#stamp}
     * (its config and weight files' paths, sizes, modification times and file keys). Read when the file is whole and its
     * stamp is the folder's now, so the weights are the files the digest was computed over, as far as the packed copy
     * also trusts; else computed and written (to a temporary file moved into place; not forced to the disk: a file a
     * crash leaves half written fails the format and is computed again), and the digest files of weights that changed
     * or went are deleted. With the cache off, or when the folder cannot be stamped, it is computed. A digest file that
     * cannot be written is left unwritten, silently: the next command computes it again.
     */
    public ModelDigest digest(Gpt2Model model) {
        return digest(dir, folder, model);
    }

    /** {@link #digest(Gpt2Model)} for the cache folder {@code dir} (null: off) and the model folder {@code folder}. */
    static ModelDigest digest(Path dir, Path folder, Gpt2Model model) {
        if (dir == null) return ModelDigest.of(model);
        String stamp;
        try {
            stamp = PackedWeights.stamp(folder);
        } catch (IOException | RuntimeException e) {
            return ModelDigest.of(model);
        }
        Path file = dir.resolve("digest-" + PackedWeights.stampHash(stamp) + ".txt");
        ModelDigest kept = readDigest(file, stamp);
        if (kept != null) return kept;
        ModelDigest d = ModelDigest.of(model);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try {
                Files.writeString(tmp, DIGEST_MAGIC + "\nsha256:" + d.hex() + "\n" + stamp, StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            pruneStaleDigests(dir, file);
        } catch (IOException | RuntimeException e) {
            // the digest is computed; keeping it is only a saving for the next command
        }
        return d;
    }

    /** The most bytes a digest file is read for: its stamp names a few files (a sharded model's, a few dozen). */
    private static final long DIGEST_FILE_MAX = 1 << 20;

    /** {@code file}'s text, or null when it cannot be read or is larger than any digest file. */
    private static String readSmall(Path file) {
        try {
            if (Files.size(file) > DIGEST_FILE_MAX) return null;
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The digest in {@code file} when it is a whole digest file for {@code stamp}; null otherwise (missing, damaged, other weights). */
    private static ModelDigest readDigest(Path file, String stamp) {
        String text = readSmall(file);
        String kept = text == null ? null : stampPart(text);
        if (kept == null || !kept.equals(stamp)) return null;
        String line = text.substring(DIGEST_MAGIC.length() + 1, text.length() - kept.length() - 1);
        if (!line.matches("sha256:[0-9a-f]{64}")) return null;
        return ModelDigest.of(HexFormat.of().parseHex(line.substring("sha256:".length())));
    }

    /** A digest file's stamp: what follows its magic line and its digest line; null when it has no such two lines. */
    private static String stampPart(String text) {
        if (!text.startsWith(DIGEST_MAGIC + "\n")) return null;
        int at = text.indexOf('\n', DIGEST_MAGIC.length() + 1);
        return at < 0 ? null : text.substring(at + 1);
    }

    /** Deletes the digest files in {@code dir}, but {@code keep}, whose stamps are stale ({@link PackedWeights#isStale}). */
    private static void pruneStaleDigests(Path dir, Path keep) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!DIGEST_NAME.matcher(p.getFileName().toString()).matches() || p.equals(keep)) continue;
                String text = readSmall(p), stamp = text == null ? null : stampPart(text);
                if (stamp == null) continue;   // unreadable, gone, or not a digest file: left
                try {
                    if (PackedWeights.isStale(stamp)) Files.deleteIfExists(p);
                } catch (IOException | RuntimeException e) {
                    // not deletable now: left for a later write
                }
            }
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
