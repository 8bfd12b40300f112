package nci.tools.hub;

import java.io.IOException;

/**
 * A hub download or cache lookup that failed, with a {@link Kind} the CLI can map to an exit code and a message
 * that names the repository, revision and file at fault and what to do about it. Messages never contain the token.
 */
public final class HubException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, coarse enough to act on. */
    public enum Kind {
        /** 401/403: the repository is gated or private (or does not exist and the hub will not say). */
        ACCESS_DENIED,
        /** 404 or an entry missing from the repository: repository, revision or file not found. */
        NOT_FOUND,
        /** The repository holds only weights nci cannot load (pytorch_model.bin). */
        UNSUPPORTED,
        /** A downloaded file's SHA-256 or size differs from what the hub announced. */
        CHECKSUM_MISMATCH,
        /** Offline (HF_HUB_OFFLINE or no connection) and the cache lacks something. */
        NOT_IN_CACHE,
        /** The network failed and retries were exhausted. */
        NETWORK,
        /** The server answered something the hub protocol does not allow (status, missing header, bad index). */
        PROTOCOL,
        /** The spec given to {@link ModelResolver} named nothing usable. */
        BAD_SPEC
    }

    private final Kind kind;

    public HubException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public HubException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
