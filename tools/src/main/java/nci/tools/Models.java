package nci.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import nci.gpt2.Gpt2Loader;
import nci.gpt2.Gpt2Model;
import nci.gpt2.PackedWeights;
import nci.tools.hub.HubSettings;
import nci.tools.hub.ModelResolver;

/** Where models come from: the --model argument, or the embedded offline default. */
final class Models {
    private Models() {}

    /** The default model's folder name under {@code models/}. */
    static final String DEFAULT = "induction-2l-compiled";

    /** The repository root: {@code -Dnci.home} (set by the ./nci launcher), else the working directory or a parent holding models/. */
    static Path home() {
        String h = System.getProperty("nci.home");
        if (h != null) return Path.of(h);
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent())
            if (Files.isDirectory(q.resolve("models").resolve(DEFAULT))) return q;
        return p;
    }

    static Path defaultModel() {
        Path p = home().resolve("models").resolve(DEFAULT);
        if (!Files.isDirectory(p))
            throw new IllegalArgumentException("default model folder " + p + " not found (run from the nci checkout, or pass --model)");
        return p;
    }

    /**
     * A --model value: null for the embedded default; a model folder (or one holding just the tokenizer files, for
     * tokenize); a cache snapshot or {@code models--ORG--NAME} folder; or a hub name such as {@code gpt2}, resolved
     * through the HuggingFace cache and downloaded when not there (unless {@code HF_HUB_OFFLINE=1}).
     */
    static Path resolve(String spec) throws IOException {
        if (spec == null) return defaultModel();
        try {
            Path p = Path.of(spec);
            if (Files.isDirectory(p) && !Files.exists(p.resolve("config.json")) && Files.exists(p.resolve("vocab.json"))) return p;
        } catch (InvalidPathException e) {
            // not a path: a hub name, or an error the resolver words
        }
        return ModelResolver.fromEnvironment().resolve(spec, true);
    }

    /**
     * Where packed copies of weights go ({@link PackedWeights#cached}): {@code -Dnci.cache.dir}, else
     * {@code $NCI_CACHE_DIR}, else {@code $XDG_CACHE_HOME/nci}, else {@code ~/.cache/nci}; {@code packed/} under it.
     */
    static Path packedCache(Map<String, String> env) {
        String prop = System.getProperty("nci.cache.dir"), var = env.get("NCI_CACHE_DIR");
        Path base = prop != null && !prop.isBlank() ? Path.of(prop)
                : var != null && !var.isBlank() ? Path.of(var)
                : HubSettings.cacheBase(env).resolve("nci");
        return base.resolve("packed").toAbsolutePath();
    }

    /**
     * Gives a model loaded from {@code dir} its mapped packed copy for the plain forward, from the cache: mapped when
     * there, else written for the next run (this one packs per product, so its memory stays at the weights'). Says
     * on stderr when it writes; a cache it cannot use is reported there and the forward goes on without it.
     */
    static void usePackedCache(Gpt2Model model, Path dir) {
        Path cache = packedCache(System.getenv());
        try {
            PackedWeights.Outcome o = PackedWeights.cached(model, Gpt2Loader.resolveFolder(dir), cache, false);
            if (o == PackedWeights.Outcome.WRITTEN)
                System.err.printf("nci: wrote a packed copy of the layer weights under %s (%d MB); forwards map it from the next run on%n",
                        cache, (model.packedBytes() + (1 << 19)) >> 20);
        } catch (IOException | RuntimeException e) {
            System.err.println("nci: packed weights cache " + cache + " not used: " + e.getMessage());
        }
    }
}
