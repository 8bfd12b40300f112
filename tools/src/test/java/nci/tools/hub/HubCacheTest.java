package nci.tools.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubCacheTest {

    static final String C1 = "1111111111111111111111111111111111111111";
    static final String C2 = "2222222222222222222222222222222222222222";

    @TempDir
    Path root;

    @Test
    void refsAreWrittenWholeWithoutNewlineAndReplaced() throws IOException {
        HubCache cache = new HubCache(root);
        RepoId repo = new RepoId("org/m");
        assertNull(cache.readRef(repo, "main"));
        cache.writeRef(repo, "main", C1);
        cache.writeRef(repo, "refs/pr/1", C2);
        assertEquals(C1, Files.readString(root.resolve("models--org--m/refs/main")));
        assertEquals(C2, Files.readString(root.resolve("models--org--m/refs/refs/pr/1")));
        cache.writeRef(repo, "main", C2);
        assertEquals(C2, cache.readRef(repo, "main"));
        try (var files = Files.list(root.resolve("models--org--m/refs"))) {
            assertEquals(2, files.count(), "no temp files left beside the refs");
        }
    }

    @Test
    void corruptRefIsReported() throws IOException {
        HubCache cache = new HubCache(root);
        Path ref = root.resolve("models--m/refs/main");
        Files.createDirectories(ref.getParent());
        Files.writeString(ref, "../../etc");
        HubException e = assertThrows(HubException.class, () -> cache.readRef(new RepoId("m"), "main"));
        assertTrue(e.getMessage().contains(ref.toString()), e.getMessage());
    }

    @Test
    void linksAreRelativeAtAnyDepth() throws IOException {
        HubCache cache = new HubCache(root);
        RepoId repo = new RepoId("m");
        Path blob = cache.blobPath(repo, "abc");
        Files.createDirectories(blob.getParent());
        Files.writeString(blob, "content");
        Path top = cache.snapshotFile(repo, C1, "config.json");
        Path nested = cache.snapshotFile(repo, C1, "onnx/config.json");
        cache.link(blob, top);
        cache.link(blob, nested);
        cache.link(blob, top); // relinking replaces
        assertEquals(Path.of("../../blobs/abc"), Files.readSymbolicLink(top));
        assertEquals(Path.of("../../../blobs/abc"), Files.readSymbolicLink(nested));
        assertEquals("content", Files.readString(nested));
    }

    @Test
    void unsafeNamesAreRefused() {
        HubCache cache = new HubCache(root);
        RepoId repo = new RepoId("m");
        for (String bad : new String[]{"../x", "/etc/passwd", "a//b", "a/./b", "a\\b", ""}) {
            assertThrows(IllegalArgumentException.class, () -> cache.snapshotFile(repo, C1, bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> cache.blobPath(repo, "a/b"));
        assertThrows(IllegalArgumentException.class, () -> cache.snapshotDir(repo, ".."));
        assertTrue(HubCache.isCommitHash(C1));
        assertTrue(!HubCache.isCommitHash("main") && !HubCache.isCommitHash("ABCDEF0123456789ABCDEF0123456789ABCDEF01")
                && !HubCache.isCommitHash(C1.substring(1)));
    }

    @Test
    void etagNormalisation() {
        assertEquals("abc", FileMetadata.normalizeEtag("W/\"abc\""));
        assertEquals("abc", FileMetadata.normalizeEtag("\"abc\""));
        assertEquals("abc", FileMetadata.normalizeEtag("abc"));
    }
}
