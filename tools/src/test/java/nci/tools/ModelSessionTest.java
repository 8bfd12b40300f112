package nci.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import nci.gpt2.Gpt2Loader;
import nci.gpt2.Gpt2Model;
import nci.gpt2.PackedWeights;
import nci.patching.ModelDigest;
import nci.tools.study.ModelSession;
import nci.tools.study.PackedCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelSession}: the model digest, computed on a thread of its own from the moment the model is loaded. */
class ModelSessionTest {

    /**
     * The digest is started when the session opens, not when the engine is first asked for: a session closed
     * without ever making an engine has still kept it in the cache folder (close() waits for it), and the engine's
     * digest is the model's, whether computed or read back from that file. With the cache off nothing is kept.
     */
    @Test
    void theDigestIsComputedFromTheOpenAndKept(@TempDir Path tmp) throws Exception {
        String before = System.getProperty("nci.cache.dir");
        System.setProperty("nci.cache.dir", tmp.resolve("c").toString());
        try {
            Path folder = tmp.resolve("model");
            Files.createDirectories(folder);
            for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(Cli.model("tiny-a").resolve(f), folder.resolve(f));
            ModelDigest want;
            try (Gpt2Model m = Gpt2Loader.load(folder)) {
                want = ModelDigest.of(m);
            }
            Path dir = PackedCache.dir(Map.of());
            Path file = dir.resolve("digest-" + PackedWeights.stampHash(PackedWeights.stamp(folder)) + ".txt");

            try (ModelSession s = ModelSession.open(folder, false)) {
                assertEquals(want, s.engine().digest(), "cache off: computed");
            }
            assertTrue(Files.notExists(dir), "the cache off keeps nothing");

            try (ModelSession s = ModelSession.open(folder, true)) {
                assertEquals(folder, s.dir());                   // no engine asked for
            }
            assertTrue(Files.isRegularFile(file), "kept although no engine was made");
            assertTrue(Files.readString(file).startsWith("nci-model-digest/1\nsha256:" + want.hex() + "\n"), Files.readString(file));

            try (ModelSession s = ModelSession.open(folder, true)) {
                assertEquals(want, s.engine().digest(), "read back");
                assertEquals(want, s.engine().digest(), "the same engine");
            }
            try (var files = Files.list(dir)) {
                assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "no temporary file left");
            }
        } finally {
            if (before == null) System.clearProperty("nci.cache.dir"); else System.setProperty("nci.cache.dir", before);
        }
    }
}
