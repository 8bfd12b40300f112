package nci.tools.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The hub cache layout shared with {@code huggingface_hub} (its "new" layout, 0.8+):
 *
 * <pre>
 * &lt;hubCache&gt;/
 *   models--ORG--NAME/
 *     blobs/&lt;etag&gt;                   file content, named by its ETag (sha256 for LFS files, git sha1 otherwise)
 *     blobs/&lt;etag&gt;.incomplete        a download in progress (resumable); never linked from snapshots/
 *     snapshots/&lt;commit&gt;/&lt;file&gt;       relative symlink to ../../blobs/&lt;etag&gt; (one more ../ per subfolder)
 *     refs/&lt;revision&gt;                 the 40-hex commit that revision last resolved to (no newline)
 *     .no_exist/&lt;commit&gt;/&lt;file&gt;       empty marker: the file is known to be absent at that commit
 *   .locks/models--ORG--NAME/&lt;etag&gt;.lock
 * </pre>
 *
 * A file is usable when its snapshot entry exists and resolves to a blob; a blob appears only complete and
 * verified, and a snapshot entry only after its blob, so a reader never sees a partial file.
 */
public final class HubCache {

    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

    private final Path root;

    public HubCache(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** True for a full 40-hex git commit id, the only revision form that needs no refs/ lookup. */
    public static boolean isCommitHash(String revision) {
        return revision != null && COMMIT.matcher(revision).matches();
    }

    public Path repoDir(RepoId repo) {
        return root.resolve(repo.cacheFolderName());
    }

    public Path blobPath(RepoId repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(checkSegment(etag, "ETag"));
    }

    public Path incompletePath(RepoId repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(checkSegment(etag, "ETag") + ".incomplete");
    }

    public Path snapshotDir(RepoId repo, String commit) {
        return repoDir(repo).resolve("snapshots").resolve(checkSegment(commit, "commit"));
    }

    /** The snapshot entry of {@code file} (a relative path such as {@code config.json}) at {@code commit}. */
    public Path snapshotFile(RepoId repo, String commit, String file) {
        return snapshotDir(repo, commit).resolve(checkFileName(file));
    }

    public Path noExistPath(RepoId repo, String commit, String file) {
        return repoDir(repo).resolve(".no_exist").resolve(checkSegment(commit, "commit")).resolve(checkFileName(file));
    }

    public Path refPath(RepoId repo, String revision) {
        // A revision such as refs/pr/1 becomes nested folders, as in huggingface_hub.
        return repoDir(repo).resolve("refs").resolve(checkRevision(revision));
    }

    public Path lockPath(RepoId repo, String etag) {
        return root.resolve(".locks").resolve(repo.cacheFolderName()).resolve(checkSegment(etag, "ETag") + ".lock");
    }

    /** The commit {@code refs/<revision>} names, or null when there is no such ref. */
    public String readRef(RepoId repo, String revision) throws IOException {
        Path ref = refPath(repo, revision);
        if (!Files.isRegularFile(ref)) {
            return null;
        }
        String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
        if (commit.isEmpty() || !SAFE_SEGMENT.matcher(commit).matches()) {
            throw new HubException(HubException.Kind.PROTOCOL, "cache ref " + ref + " holds '" + Shown.text(commit)
                    + "', expected a commit hash");
        }
        return commit;
    }

    /** Writes {@code refs/<revision>} = commit atomically (temp file in the same folder, then rename). */
    public void writeRef(RepoId repo, String revision, String commit) throws IOException {
        checkSegment(commit, "commit");
        Path ref = refPath(repo, revision);
        if (commit.equals(readRef(repo, revision))) {
            return;
        }
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref-", ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            moveAtomically(tmp, ref);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Rename {@code from} over {@code to}, atomically where the file system allows it. */
    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Points {@code snapshots/<commit>/<file>} at {@code blob} with a relative symlink (so the cache can be moved),
     * made under a temporary name and renamed into place. Falls back to a copy where symlinks are not allowed.
     */
    public void link(Path blob, Path pointer) throws IOException {
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob);
        Path tmp = pointer.resolveSibling("." + pointer.getFileName() + ".link-" + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().threadId());
        Files.deleteIfExists(tmp);
        try {
            try {
                Files.createSymbolicLink(tmp, target);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            moveAtomically(tmp, pointer);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String checkSegment(String s, String what) {
        if (s == null || s.equals(".") || s.equals("..") || !SAFE_SEGMENT.matcher(s).matches()) {
            throw new IllegalArgumentException("unsafe " + what + " '" + Shown.text(s)
                    + "': expected letters, digits, '.', '_' or '-' only");
        }
        return s;
    }

    /** A repository-relative file name: '/'-separated safe segments, never absolute, never '..'. */
    static String checkFileName(String file) {
        return checkRelative(file, "file name");
    }

    /** A revision (branch, tag, commit or refs/pr/N) as a path under refs/: the same rules as a file name. */
    static String checkRevision(String revision) {
        return checkRelative(revision, "revision");
    }

    private static String checkRelative(String s, String what) {
        if (s == null || s.isEmpty() || s.startsWith("/") || s.contains("\\")) {
            throw new IllegalArgumentException("unsafe " + what + " '" + Shown.text(s) + "': expected a relative path");
        }
        for (String seg : s.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("unsafe " + what + " '" + Shown.text(s)
                        + "': empty, '.' or '..' path segment");
            }
        }
        String control = Shown.firstControl(s); // would reach progress lines and file names as is
        if (control != null) {
            throw new IllegalArgumentException("unsafe " + what + " '" + Shown.text(s) + "': control character "
                    + control);
        }
        return s;
    }
}
