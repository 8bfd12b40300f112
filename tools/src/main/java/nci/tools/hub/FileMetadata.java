package nci.tools.hub;

import java.net.URI;
import java.util.Objects;

/**
 * What a HEAD on {@code resolve/<revision>/<file>} tells: the commit the revision resolves to, the blob name
 * (normalised ETag), the size and where to GET the bytes.
 *
 * @param commit   {@code X-Repo-Commit}
 * @param etag     {@code X-Linked-Etag} else {@code ETag}, without {@code W/} and quotes; a 64-hex sha256 for LFS files,
 *                 the 40-hex git blob sha1 for others
 * @param size     {@code X-Linked-Size} else {@code Content-Length}; -1 when not announced
 * @param location where to download from: the redirect target for LFS files (CDN), else the resolve URL
 */
record FileMetadata(String commit, String etag, long size, URI location) {

    FileMetadata {
        HubCache.checkSegment(commit, "commit");
        HubCache.checkSegment(etag, "ETag");
        Objects.requireNonNull(location, "location");
        if (size < -1) {
            throw new IllegalArgumentException("size must be >= -1, got " + size);
        }
    }

    /** LFS ETags are the SHA-256 of the content, which the download is checked against. */
    boolean isSha256() {
        return etag.length() == 64 && etag.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }

    /**
     * The hub's ETag for a file kept in git (not LFS) is the git blob id of the content,
     * {@code sha1("blob " + length + "\0" + bytes)}, which the download is checked against. Other servers may send
     * other ETags; those are only names.
     */
    boolean isGitSha1() {
        return etag.length() == 40 && etag.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
                || c >= 'A' && c <= 'F');
    }

    /** huggingface_hub's normalisation: drop a weak-validator prefix {@code W/} and surrounding quotes. */
    static String normalizeEtag(String raw) {
        String s = raw.strip();
        if (s.startsWith("W/")) {
            s = s.substring(2);
        }
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }
}
