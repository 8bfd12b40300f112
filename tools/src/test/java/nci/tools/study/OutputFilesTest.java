package nci.tools.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output folders checked up front; files written whole or not at all. */
class OutputFilesTest {

    @TempDir
    Path tmp;

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) { return s.sorted().toList(); }
    }

    static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void aFailedWriteLeavesNoPartialFileAndNamesTheFile() throws Exception {
        Path f = tmp.resolve("o.json");
        IOException e = assertThrows(IOException.class, () -> OutputFiles.write(f, out -> {
            out.write(new byte[4096]);
            throw new IOException("No space left on device");
        }));
        assertEquals("cannot write " + f + " (No space left on device)", e.getMessage());
        assertEquals(List.of(), list(tmp), "neither the file nor the temporary file is left");

        // An existing file stays as it was until a write succeeds.
        OutputFiles.write(f, "old\n");
        assertThrows(IOException.class, () -> OutputFiles.write(f, out -> { out.write(1); throw new IOException("disk full"); }));
        assertEquals(List.of(f), list(tmp));
        assertEquals("old\n", Files.readString(f));
        OutputFiles.write(f, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertEquals(List.of(f), list(tmp));
        // The file gets the permissions of any new file (a temporary file's are private).
        Path plain = Files.createFile(tmp.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f));
    }

    @Test
    void aFileInTheWayOfTheMoveIsNamed() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("taken/inside"));
        IOException e = assertThrows(IOException.class, () -> OutputFiles.write(tmp.resolve("taken"), "x"));
        assertTrue(e.getMessage().startsWith("cannot write " + tmp.resolve("taken") + " ("), e.getMessage());
        assertEquals(List.of(tmp.resolve("taken")), list(tmp), "no temporary file left");
        assertTrue(Files.isDirectory(d));
    }

    @Test
    void foldersAreCheckedAndCreated() throws Exception {
        Path file = Files.writeString(tmp.resolve("afile"), "x", StandardCharsets.UTF_8);
        assertEquals("--out: empty (give a folder)", message(() -> OutputFiles.folder(Path.of(""), "--out")));
        assertEquals("--out " + file + ": exists and is not a folder", message(() -> OutputFiles.folder(file, "--out")));
        assertEquals("--out " + file.resolve("a/b") + ": cannot create it: " + file + " is not a folder",
                message(() -> OutputFiles.folder(file.resolve("a/b"), "--out")));
        assertEquals("--dot " + file + "/g.dot: folder " + file + ": exists and is not a folder",
                message(() -> OutputFiles.file(file.resolve("g.dot"), "--dot")));
        assertEquals("--out " + tmp + ": is a folder, not a file", message(() -> OutputFiles.file(tmp, "--out")));

        Path made = OutputFiles.folder(tmp.resolve("x/y"), "--out");
        assertTrue(Files.isDirectory(made));
        assertEquals(List.of(), list(made), "the write probe leaves nothing");
        OutputFiles.file(tmp.resolve("p/q/o.json"), "--out");
        assertTrue(Files.isDirectory(tmp.resolve("p/q")) && !Files.exists(tmp.resolve("p/q/o.json")));
    }

    /** A folder without write permission (root may write anyway: then there is nothing to check). */
    @Test
    void aReadOnlyFolderIsNamed() throws Exception {
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            boolean writable;
            try {
                Files.delete(Files.createFile(ro.resolve("probe")));
                writable = true;
            } catch (IOException e) {
                writable = false;
            }
            assumeTrue(!writable, "this user can write in a read-only folder (root)");
            assertEquals("--out " + ro + ": cannot write in it (permission denied)", message(() -> OutputFiles.folder(ro, "--out")));
            assertEquals("--out " + ro.resolve("sub") + ": cannot create it (permission denied)",
                    message(() -> OutputFiles.folder(ro.resolve("sub"), "--out")));
            assertFalse(Files.exists(ro.resolve("sub")));
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
