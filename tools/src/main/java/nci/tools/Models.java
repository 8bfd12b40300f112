package nci.tools;

import java.nio.file.Files;
import java.nio.file.Path;

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

    /** A --model value: a folder (HF layout or cache snapshot), or null for the default. */
    static Path resolve(String spec) {
        if (spec == null) return defaultModel();
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) return p;
        throw new IllegalArgumentException("--model " + spec + ": no such folder");
    }
}
