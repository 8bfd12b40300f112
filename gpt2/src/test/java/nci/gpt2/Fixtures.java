package nci.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's {@code fixtures/} folder: system property {@code nci.fixtures}, else walk up from the working directory. */
public final class Fixtures {
    private Fixtures() {}

    public static final ObjectMapper JSON = new ObjectMapper();

    public static Path root() {
        String prop = System.getProperty("nci.fixtures");
        if (prop != null && Files.isRegularFile(Path.of(prop, "manifest.json"))) return Path.of(prop);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("fixtures/manifest.json"))) return p.resolve("fixtures");
        throw new IllegalStateException("fixtures/ not found: set -Dnci.fixtures or run inside the repository");
    }

    /** The repository root (the folder holding fixtures/). */
    public static Path repoRoot() { return root().toAbsolutePath().getParent(); }

    public static Path model(String name) { return root().resolve("models").resolve(name); }

    public static JsonNode json(Path file) throws IOException { return JSON.readTree(file.toFile()); }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }
}
