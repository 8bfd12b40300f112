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
}
