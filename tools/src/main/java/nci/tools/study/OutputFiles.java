package nci.tools.study;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where the commands write. Output folders are checked (and created) before anything is computed, so that a bad
 * {@code --out} does not cost a whole study; files are written to a temporary file in the same folder and moved into
 * place, so that a failed write (a full disk) leaves no truncated file and errors name the file.
 */
public final class OutputFiles {
    private OutputFiles() {}

    /** Writes the content of a file to {@code out}. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Makes {@code dir} ready to hold outputs: creates it (and its missing parents) and checks that a file can be
     * created in it. {@code what} names it in errors (e.g. {@code --out}).
     * @throws IllegalArgumentException when it is empty, exists as a file, cannot be created or is not writable
     */
    public static Path folder(Path dir, String what) {
        if (dir.toString().isEmpty()) throw new IllegalArgumentException(what + ": empty (give a folder)");
        String at = what + " " + dir;
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException(at + ": exists and is not a folder");
        if (!Files.isDirectory(dir)) {
            for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent())
                if (Files.exists(p)) {
                    if (!Files.isDirectory(p)) throw new IllegalArgumentException(at + ": cannot create it: " + p + " is not a folder");
                    break;
                }
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new IllegalArgumentException(at + ": cannot create it (" + reason(e) + ")");
            }
        }
        // Permission bits do not tell (root, read-only mounts): create a file and delete it.
        try {
            Files.delete(Files.createTempFile(dir, ".nci-", ".tmp"));
        } catch (IOException e) {
            throw new IllegalArgumentException(at + ": cannot write in it (" + reason(e) + ")");
        }
        return dir;
    }

    /**
     * Makes the folder of the output file {@code file} ready ({@link #folder}); {@code file} itself must not be a folder.
     */
    public static Path file(Path file, String what) {
        if (file.toString().isEmpty()) throw new IllegalArgumentException(what + ": empty (give a file name)");
        if (Files.isDirectory(file)) throw new IllegalArgumentException(what + " " + file + ": is a folder, not a file");
        Path parent = file.toAbsolutePath().getParent();
        try {
            folder(parent, "folder");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " " + file + ": " + e.getMessage());
        }
        return file;
    }

    public static void write(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    /**
     * Writes {@code file} through a temporary file in its folder, moved into place when complete (an existing file
     * is replaced only then). On failure the temporary file is deleted and the error names {@code file}.
     */
    public static void write(Path file, Body body) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = null;
        try {
            // Not Files.createTempFile: its files are private (0600); this one gets the permissions any new file gets.
            Path t = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            OutputStream out = Files.newOutputStream(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            tmp = t;
            try (out) {
                body.writeTo(out);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw failed(file, e);
        } finally {
            if (tmp != null) Files.deleteIfExists(tmp);
        }
    }

    /**
     * An error for a write of {@code file} that failed with {@code e}, naming the file. {@code e} is kept as a suppressed
     * exception, not the cause: its message names the temporary file, and the one-line error would repeat it.
     */
    public static IOException failed(Path file, Exception e) {
        IOException x = new IOException("cannot write " + file + " (" + reason(e) + ")");
        x.addSuppressed(e);
        return x;
    }

    /** What went wrong, in words: a file-system error's reason (not its file name, which the caller gives). */
    static String reason(Exception e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileAlreadyExistsException x) return x.getFile() + " exists";
        if (e instanceof java.nio.file.NoSuchFileException x) return "no such file or folder: " + x.getFile();
        if (e instanceof FileSystemException x && x.getReason() != null) return x.getReason();
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
