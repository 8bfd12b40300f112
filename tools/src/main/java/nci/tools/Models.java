package nci.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import nci.tools.hub.HubClient;
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
        return resolve(spec, Path.of(""));
    }

    /** {@link #resolve(String)}, with a relative folder read relative to {@code base} (an experiment file's folder). */
    static Path resolve(String spec, Path base) throws IOException {
        if (spec == null) return defaultModel();
        try {
            Path p = base.resolve(spec);
            // A model folder (or a tokenizer-only one, for tokenize) needs no hub settings: a malformed HF_TOKEN or
            // HF_ENDPOINT in the environment must not stop a command on local files.
            if (Files.isDirectory(p)) {
                if (Files.exists(p.resolve("config.json"))) return p.toAbsolutePath().normalize();
                if (Files.exists(p.resolve("vocab.json"))) return p;
            }
        } catch (InvalidPathException e) {
            // not a path: a hub name, or an error the resolver words
        }
        return new ModelResolver(HubClient.fromEnvironment(), base).resolve(spec, true);
    }
}
