package nci.tools.study;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Loader;
import nci.gpt2.Gpt2Model;
import nci.gpt2.tokenizer.Gpt2Tokenizer;
import nci.patching.ActivationCache;
import nci.patching.ModelDigest;
import nci.patching.PatchEngine;

/**
 * One loaded model and what the study commands need around it: its folder, the tokenizer (when the folder has
 * vocab.json and merges.txt), the hub revision when the folder is a hub cache snapshot, and (on first use) the
 * content digest and a {@link PatchEngine} with one shared activation cache.
 *
 * <p>Loading maps the weights and reads the config. The digest (one pass over every weight, when the cache folder
 * does not keep it) is computed on a thread of its own from the moment the model is loaded, so that it overlaps the
 * rest of the loading (packing the layer matrices on a model's first run, reading the tokenizer); the engine waits for
 * it when it is first asked for. A spec is still validated against the model's shape before the engine is made.
 */
public final class ModelSession implements AutoCloseable {

    /** Default activation-cache budget: ample for GPT-2 small on prompts of a few dozen tokens. */
    public static final long DEFAULT_CACHE_BYTES = 512L << 20;

    private final Path dir;
    private final Gpt2Model model;
    private final Gpt2Tokenizer tokenizer;
    private final long loadMillis;
    private final long cacheBytes;
    private final PackedCache packed;
    /** The model's digest, computed on a thread of its own from {@link #open}; null for {@link #of}. */
    private final FutureTask<ModelDigest> digest;
    private PatchEngine engine;

    private ModelSession(Path dir, Gpt2Model model, Gpt2Tokenizer tokenizer, long loadMillis, long cacheBytes, PackedCache packed,
                         FutureTask<ModelDigest> digest) {
        this.dir = dir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.loadMillis = loadMillis;
        this.cacheBytes = cacheBytes;
        this.packed = packed;
        this.digest = digest;
    }

    /**
     * Loads the model folder {@code dir} (weights mapped, tokenizer read if present) and, with {@code packedCache}, its
     * packed layer weights from the cache ({@link PackedCache}: read when there, else packed in memory, attached, and
     * written while the command runs).
     */
    public static ModelSession open(Path dir, boolean packedCache) throws IOException {
        return open(dir, DEFAULT_CACHE_BYTES, packedCache);
    }

    public static ModelSession open(Path dir, long cacheBytes, boolean packedCache) throws IOException {
        long t0 = System.nanoTime();
        Path folder = Gpt2Loader.resolveFolder(dir);
        Gpt2Model m = packedCache ? PackedCache.load(folder) : Gpt2Loader.load(folder);
        // the digest only reads the weights, which stay mapped until close() has waited for it
        Path cacheDir = packedCache ? PackedCache.dir(System.getenv()) : null;
        FutureTask<ModelDigest> digest = new FutureTask<>(() -> PackedCache.digest(cacheDir, folder, m));
        Thread.ofPlatform().name("nci-digest").daemon().start(digest);
        PackedCache packed = PackedCache.off();
        Gpt2Tokenizer tok = null;
        try {
            if (packedCache) packed = PackedCache.open(m, folder, true);
            if (Files.isRegularFile(folder.resolve("vocab.json")) && Files.isRegularFile(folder.resolve("merges.txt")))
                tok = Gpt2Tokenizer.load(folder);
        } catch (IOException | RuntimeException | Error e) {
            awaitQuietly(digest);
            packed.close();
            m.close();
            throw e;
        }
        return new ModelSession(folder, m, tok, (System.nanoTime() - t0) / 1_000_000, cacheBytes, packed, digest);
    }

    /** Waits for {@code task} to end, whatever its outcome. */
    private static void awaitQuietly(FutureTask<?> task) {
        try {
            await(task);
        } catch (ExecutionException e) {
            // its outcome is someone else's to report, or no one's (the task is never cancelled)
        }
    }

    /** {@code task}'s result once it has one, waiting through interrupts (which are kept for later). */
    private static <T> T await(FutureTask<T> task) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Wraps an already loaded model (tests share one model across commands this way). */
    public static ModelSession of(Path dir, Gpt2Model model, Gpt2Tokenizer tokenizer) {
        return new ModelSession(dir, model, tokenizer, 0, DEFAULT_CACHE_BYTES, PackedCache.off(), null);
    }

    public Path dir() { return dir; }

    public Gpt2Model model() { return model; }

    public Gpt2Config config() { return model.config(); }

    public long loadMillis() { return loadMillis; }

    /** Whether the folder had tokenizer files. */
    public boolean hasTokenizer() { return tokenizer != null; }

    /** The engine over this model (made on first call, with the model's digest: from the packed cache's digest file, else computed). */
    public synchronized PatchEngine engine() {
        if (engine == null) engine = new PatchEngine(model, digest(), new ActivationCache(cacheBytes));
        return engine;
    }

    /** The digest {@link #open} started, once it is there (its failure rethrown); computed here for {@link #of}. */
    private ModelDigest digest() {
        if (digest == null) return packed.digest(model);
        try {
            return await(digest);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException("computing the model digest failed", c);
        }
    }

    /** The hub revision when the folder is a hub cache snapshot ({@code .../snapshots/<rev>}), else "". */
    public String revision() {
        Path abs = dir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("snapshots"))
            return abs.getFileName().toString();
        return "";
    }

    /**
     * Token ids of {@code text}; {@code field} names the text in errors (e.g. {@code pairs[0].clean}).
     * @throws IllegalArgumentException when there is no tokenizer, the text has no tokens, or a token is outside the
     *                                  model's vocabulary (tokenizer files that do not belong to the model)
     */
    public int[] encode(String text, String field) {
        if (tokenizer == null)
            throw new IllegalArgumentException(field + ": a text needs a tokenizer, but " + dir + " has no vocab.json/merges.txt");
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) throw new IllegalArgumentException(field + ": '" + text + "' encodes to no tokens");
        int vocab = config().vocabSize();
        for (int id : ids)
            if (id >= vocab)
                throw new IllegalArgumentException(field + ": " + Strings.quote(text) + " has the token " + Strings.quote(tokenText(id)) + " (id " + id
                        + "), outside the model's vocabulary of " + vocab + " (its vocab.json does not fit the model)");
        return ids;
    }

    /**
     * The one token id of {@code token} (taken verbatim: a leading space is part of a GPT-2 token).
     * @throws IllegalArgumentException naming {@code field} and the token when it is not exactly one token
     */
    public int singleToken(String token, String field) {
        int[] ids = encode(token, field);
        if (ids.length != 1)
            throw new IllegalArgumentException(field + ": " + Strings.quote(token) + " is " + ids.length + " tokens "
                    + tokenList(ids) + "; a target must be exactly one token");
        return ids[0];
    }

    /** The text of one token id (decoded bytes), or {@code #id} without a tokenizer. */
    public String tokenText(int id) {
        return tokenizer == null ? "#" + id : tokenizer.decode(new int[] {id});
    }

    public List<String> tokenTexts(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) out.add(tokenText(id));
        return out;
    }

    private String tokenList(int[] ids) {
        List<String> s = new ArrayList<>();
        for (int id : ids) s.add(Strings.quote(tokenText(id)));
        return s.toString();
    }

    /** Waits for the digest's thread and a background write of the packed weights, then unmaps the model. */
    @Override
    public void close() {
        try {
            if (digest != null) awaitQuietly(digest);
            packed.close();
        } finally {
            model.close();
        }
    }
}
