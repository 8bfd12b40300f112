package nci.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import nci.tools.study.PackedCache;
import org.junit.jupiter.api.Test;

/** Where {@link PackedCache} keeps the packed copies: property, then NCI_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache. */
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
}
