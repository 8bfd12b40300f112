package nci.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import nci.gpt2.Gpt2Loader;
import nci.gpt2.Gpt2Model;
import nci.gpt2.PackedWeights;
import nci.patching.ModelDigest;
import nci.tools.study.PackedCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PackedCache}: where it keeps the packed copies, and when it attaches a copy it is writing. */
class PackedCacheTest {

    @Test
    void dirFollowsPropertyThenEnvironment() {
        String before = System.getProperty("nci.cache.dir");
        String home = System.getProperty("user.home");
        try {
            System.clearProperty("nci.cache.dir");
            assertEquals(Path.of(home, ".cache", "nci", "packed").toAbsolutePath(), PackedCache.dir(Map.of()));
            assertEquals(Path.of("/x/nci/packed"), PackedCache.dir(Map.of("XDG_CACHE_HOME", "/x")));
            assertEquals(Path.of("/y/packed"), PackedCache.dir(Map.of("XDG_CACHE_HOME", "/x", "NCI_CACHE_DIR", "/y")));
            assertEquals(Path.of(home, "z", "packed").toAbsolutePath(), PackedCache.dir(Map.of("NCI_CACHE_DIR", "~/z")));
            assertEquals(Path.of("/x/nci/packed"), PackedCache.dir(Map.of("XDG_CACHE_HOME", "/x", "NCI_CACHE_DIR", " ")));
            System.setProperty("nci.cache.dir", "/p");
            assertEquals(Path.of("/p/packed"), PackedCache.dir(Map.of("NCI_CACHE_DIR", "/y")));
        } finally {
            if (before == null) System.clearProperty("nci.cache.dir"); else System.setProperty("nci.cache.dir", before);
        }
    }

    /**
     * Without a copy in the cache, a command of many products ({@code inMemory}) multiplies over a copy packed in
     * memory from the start, and the file is whole once the cache is closed; a one-forward command packs B per call
     * meanwhile. Both write the same file, and the next load attaches it. Same logits throughout.
     */
    @Test
    void aCommandOfManyProductsAttachesTheCopyItWrites(@TempDir Path tmp) throws Exception {
        String before = System.getProperty("nci.cache.dir");
        System.setProperty("nci.cache.dir", tmp.toString());
        Path folder = Cli.model("tiny-a");
        Path file = PackedCache.dir(Map.of()).resolve(PackedWeights.fileName(PackedWeights.stamp(folder)));
        int[][] batch = {{464, 3139, 286, 8031, 318}};
        try (Gpt2Model m = Gpt2Loader.load(folder)) {
            float[] want = m.forward(batch, false, true).logits();
            byte[] written = null;
            for (boolean inMemory : new boolean[] {true, false}) {
                Files.deleteIfExists(file);
                m.usePackedWeights(null);
                try (PackedCache pc = PackedCache.open(m, folder, inMemory)) {
                    if (inMemory) {
                        assertNotNull(m.packedWeights(), "attached before the write ends");
                        assertEquals(file, m.packedWeights().file());
                    } else {
                        assertNull(m.packedWeights(), "a one-forward command packs per call");
                    }
                    assertArrayEquals(want, m.forward(batch, false, true).logits(), "inMemory " + inMemory);
                }
                assertTrue(Files.isRegularFile(file), "whole once closed, inMemory " + inMemory);
                if (written == null) written = Files.readAllBytes(file);
                else assertArrayEquals(written, Files.readAllBytes(file), "the same file either way");
            }
        } finally {
            if (before == null) System.clearProperty("nci.cache.dir"); else System.setProperty("nci.cache.dir", before);
        }
        try (Gpt2Model m = PackedCache.load(folder)) {
            assertNotNull(m.packedWeights(), "the next load attaches the file");
            assertTrue(m.packedWeights().file().endsWith(file.getFileName()));
        }
    }

    /**
     * The model digest is computed once per set of weight files and kept beside the packed copies: the next command
     * reads it (a file that says another digest for the same stamp is believed, which shows it is read, not computed),
     * a damaged file is computed again and replaced, changed weights get a new file and the old one goes, and with the
     * cache off nothing is kept.
     */
    @Test
    void theModelDigestIsKeptPerStamp(@TempDir Path tmp) throws Exception {
        String before = System.getProperty("nci.cache.dir");
        System.setProperty("nci.cache.dir", tmp.resolve("c").toString());
        Path folder = tmp.resolve("model");
        Files.createDirectories(folder);
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(Cli.model("tiny-a").resolve(f), folder.resolve(f));
        Path dir = PackedCache.dir(Map.of());
        try (Gpt2Model m = Gpt2Loader.load(folder)) {
            ModelDigest want = ModelDigest.of(m);
            try (PackedCache off = PackedCache.off()) {
                assertEquals(want, off.digest(m));
            }
            assertTrue(Files.notExists(dir), "the cache off keeps nothing");
            String stamp = PackedWeights.stamp(folder);
            Path file = dir.resolve("digest-" + PackedWeights.stampHash(stamp) + ".txt");
            try (PackedCache pc = PackedCache.open(m, folder, false)) {
                assertEquals(want, pc.digest(m));
                assertEquals("nci-model-digest/1\nsha256:" + want.hex() + "\n" + stamp, Files.readString(file));
                String other = "ab".repeat(32);
                Files.writeString(file, "nci-model-digest/1\nsha256:" + other + "\n" + stamp);
                assertEquals(other, pc.digest(m).hex(), "read from the file");
                for (String bad : new String[] {"", "nci-model-digest/1\nsha256:" + other, "nci-model-digest/1\nsha256:" + other + "\n" + stamp + "x",
                        "nci-model-digest/1\nsha256:" + "AB".repeat(32) + "\n" + stamp, "\0".repeat(200)}) {
                    Files.writeString(file, bad);
                    assertEquals(want, pc.digest(m), "computed again over " + bad.length() + " bytes");
                    assertEquals("nci-model-digest/1\nsha256:" + want.hex() + "\n" + stamp, Files.readString(file), "and written again");
                }
            }
            Files.setLastModifiedTime(folder.resolve("model.safetensors"),
                    java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(folder.resolve("model.safetensors")).toMillis() + 5000));
            try (PackedCache pc = PackedCache.open(m, folder, false)) {
                assertEquals(want, pc.digest(m), "the same content");
            }
            Path now = dir.resolve("digest-" + PackedWeights.stampHash(PackedWeights.stamp(folder)) + ".txt");
            assertTrue(Files.isRegularFile(now));
            assertTrue(Files.notExists(file), "the digest file of the old stamp is deleted");
        } finally {
            if (before == null) System.clearProperty("nci.cache.dir"); else System.setProperty("nci.cache.dir", before);
        }
    }
}
