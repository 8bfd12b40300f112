package nci.tools.hub;

/**
 * Observes downloads; the CLI renders it ({@link ConsoleProgress}), tests record it. Called on the downloading
 * thread. Sizes are in bytes; {@code total} is -1 when the server did not announce a size. Every method has a no-op
 * default so an implementation overrides only what it shows.
 */
public interface ProgressListener {

    /** A file is already in the cache: no byte will be fetched. */
    default void cached(String file, long size) {
    }

    /** A transfer of {@code file} starts (again); {@code done} bytes are already on disk (resume). */
    default void started(String file, long done, long total) {
    }

    /** {@code done} bytes of {@code file} are on disk. Called once per received chunk: throttle when rendering. */
    default void progress(String file, long done, long total) {
    }

    /**
     * The transfer broke after {@code done} bytes and is retried ({@code attempt} counts from 1); {@code reason} says
     * why ("connection lost (...)", "rate limited (HTTP 429) from host", ...).
     */
    default void retrying(String file, long done, int attempt, String reason) {
    }

    /** {@code file} is complete, verified and linked into the snapshot. */
    default void finished(String file, long size) {
    }

    /**
     * Something the user should know that is no error, in one line: the hub failed and the cache answered instead
     * ("hub https://huggingface.co answered HTTP 503 (service unavailable); using the cached snapshot ...").
     */
    default void notice(String message) {
    }

    /** A listener that ignores everything. */
    static ProgressListener silent() {
        return new ProgressListener() {
        };
    }
}
