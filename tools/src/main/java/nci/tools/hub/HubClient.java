package nci.tools.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Downloads a GPT-2 style model repository from the HuggingFace hub into the cache shared with
 * {@code huggingface_hub} (layout in {@link HubCache}), or finds it there when offline.
 *
 * <p>Per file, as {@code hf_hub_download} does:
 * <ol>
 *   <li>HEAD {@code {endpoint}/{repo}/resolve/{revision}/{file}} without following redirects, except relative
 *       ones (a renamed repository). For an LFS file the hub answers 302 to a CDN; its headers carry the commit
 *       ({@code X-Repo-Commit}), the SHA-256 ({@code X-Linked-Etag}) and size ({@code X-Linked-Size}).</li>
 *   <li>If {@code snapshots/<commit>/<file>} exists, done. If {@code blobs/<etag>} exists, link it.</li>
 *   <li>Else GET the HEAD's redirect target (following further redirects, relative ones too) into
 *       {@code blobs/<etag>.incomplete}, resuming with {@code Range: bytes=N-} after a dropped connection or an
 *       earlier interrupted run; a 200 to a range request restarts from zero. The size is checked, and the
 *       content against the ETag when it is a digest: the SHA-256 of an LFS file, the git blob SHA-1 of any other
 *       (the hub's ETag for files kept in git); then the blob is renamed into place and the snapshot symlink made.
 *       Retries: dropped connections, 408/429/5xx (waiting out a Retry-After of at most {@link #MAX_RETRY_AFTER}),
 *       and a 401/403 from another host than the hub (its signed URL refused), after asking the hub for a new one.
 *       Progress is a byte past the furthest any attempt reached; {@code maxRetries} retries in a row without
 *       progress end the download (the partial file is kept for the next run when it holds any byte).</li>
 * </ol>
 * The first file ({@code config.json}) pins the commit; every later file is requested at that commit, so one
 * snapshot never mixes two commits. {@code refs/<revision>} is written last, once every file is in place: a failed
 * download leaves any earlier complete snapshot as the one the ref names.
 *
 * <p>Thread-safe: downloads of the same blob, from threads or processes, are serialised by a lock per blob
 * ({@code .locks/}; a POSIX lock, so it excludes other nci processes but not Python's flock-based locks).
 *
 * <p>The token is sent only to the endpoint's own origin (scheme, host, port): never to a CDN or another host a
 * redirect leads to. It never appears in messages, exceptions or {@link HubSettings#toString()}.
 */
public final class HubClient implements AutoCloseable {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    public static final String PYTORCH_WEIGHTS = "pytorch_model.bin";
    public static final List<String> TOKENIZER_FILES = List.of("vocab.json", "merges.txt");
    public static final String DEFAULT_REVISION = "main";

    private static final String USER_AGENT = "nci-hub/0.1; java/" + Runtime.version().feature();
    private static final int MAX_REDIRECTS = 10;
    private static final int BUFFER_BYTES = 1 << 16;
    /** The longest Retry-After nci waits out; a server asking for more is told to the user instead. */
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One lock per blob within this JVM; FileChannel locks only exclude other processes. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    /** Closes a download stream that has received nothing for stallTimeout, so the blocked read fails and resumes. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nci-hub-stall-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final HubSettings settings;
    private final HubCache cache;
    private final ProgressListener progress;
    private final HttpClient http;

    public HubClient(HubSettings settings, ProgressListener progress) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.cache = new HubCache(settings.hubCache());
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER) // redirects are followed by hand: see sendsTokenTo
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** A client configured from the process environment, showing progress on stderr. */
    public static HubClient fromEnvironment() {
        return new HubClient(HubSettings.fromEnvironment(), ConsoleProgress.stderr());
    }

    public HubSettings settings() {
        return settings;
    }

    /** Releases the HTTP client's connections and threads. */
    @Override
    public void close() {
        http.close();
    }

    public HubCache cache() {
        return cache;
    }

    /**
     * Makes {@code config.json}, the weights ({@code model.safetensors}, else {@code model.safetensors.index.json}
     * and every shard it lists) and {@code vocab.json}, {@code merges.txt} of {@code repoId} at {@code revision}
     * present in the cache, and returns the snapshot folder that holds them. Offline (HF_HUB_OFFLINE) or when the
     * hub cannot be reached, answers from the cache alone.
     *
     * @param repoId   {@code name} or {@code org/name}
     * @param revision branch, tag or commit; null means {@code main}
     * @return {@code <hubCache>/models--ORG--NAME/snapshots/<commit>}
     * @throws HubException naming the repository, revision and file at fault
     */
    public Path download(String repoId, String revision) throws HubException {
        return download(repoId, revision, progress);
    }

    /** As {@link #download(String, String)}, reporting to {@code listener} instead of the client's listener. */
    public Path download(String repoId, String revision, ProgressListener listener) throws HubException {
        RepoId repo = repo(repoId);
        String rev = revision == null ? DEFAULT_REVISION : revision;
        Objects.requireNonNull(listener, "listener");
        if (settings.offline()) {
            return resolveCached(repo, rev, "offline (HF_HUB_OFFLINE is set)");
        }
        FileMetadata first;
        try {
            first = head(repo, rev, CONFIG);
        } catch (HubException e) {
            throw e;
        } catch (HubStillFailing e) {
            // The hub kept failing (429, 5xx, dropped connections): a complete cached snapshot still serves.
            Path snap;
            try {
                snap = resolveCached(repo, rev, e.getMessage());
            } catch (HubException notCached) {
                throw e.toHubException();
            }
            listener.notice("hub " + shown(settings.endpoint()) + " " + e.reason
                    + "; using the cached snapshot " + snap.getFileName() + " of " + repo);
            return snap;
        } catch (IOException e) {
            Path snap = resolveCached(repo, rev, "cannot reach " + shown(settings.endpoint()) + " (" + describe(e) + ")");
            listener.notice("hub " + shown(settings.endpoint()) + " unreachable (" + describe(e)
                    + "); using the cached snapshot " + snap.getFileName() + " of " + repo);
            return snap;
        }
        String commit = first.commit();
        try {
            fetch(repo, commit, CONFIG, first, listener);
            FileMetadata weights = headOptional(repo, commit, WEIGHTS);
            if (weights != null) {
                fetch(repo, commit, WEIGHTS, weights, listener);
            } else {
                FileMetadata index = headOptional(repo, commit, WEIGHTS_INDEX);
                if (index == null) {
                    throw noSafetensors(repo, rev, commit);
                }
                Path indexFile = fetch(repo, commit, WEIGHTS_INDEX, index, listener);
                for (String shard : shardNames(indexFile)) {
                    fetch(repo, commit, shard, headAt(repo, commit, shard), listener);
                }
            }
            for (String f : TOKENIZER_FILES) {
                fetch(repo, commit, f, headAt(repo, commit, f), listener);
            }
            if (!rev.equals(commit)) {
                cache.writeRef(repo, rev, commit);
            }
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            throw new HubException(HubException.Kind.NETWORK, "download of '" + repo + "' (revision " + rev
                    + ") failed: " + describe(e), e);
        }
        return cache.snapshotDir(repo, commit);
    }

    /**
     * The cached snapshot of {@code repoId} at {@code revision} (null = main) without touching the network: the
     * revision is a commit with a snapshot folder, or {@code refs/<revision>} names one. Every file
     * {@link #download} would fetch must be present.
     *
     * @throws HubException of kind NOT_IN_CACHE naming the missing ref or files
     */
    public Path resolveCached(String repoId, String revision) throws HubException {
        return resolveCached(repo(repoId), revision == null ? DEFAULT_REVISION : revision, "offline lookup");
    }

    private Path resolveCached(RepoId repo, String rev, String why) throws HubException {
        try {
            String commit = null;
            if (HubCache.isCommitHash(rev) && Files.isDirectory(cache.snapshotDir(repo, rev))) {
                commit = rev;
            } else if (!HubCache.isCommitHash(rev)) {
                commit = cache.readRef(repo, rev);
            }
            if (commit == null) {
                throw new HubException(HubException.Kind.NOT_IN_CACHE, why + ", and the cache has no revision '" + rev
                        + "' of '" + repo + "' (looked for " + (HubCache.isCommitHash(rev)
                        ? cache.snapshotDir(repo, rev) : cache.refPath(repo, rev))
                        + "). Download it once with network access, or give a local model folder.");
            }
            Path snap = cache.snapshotDir(repo, commit);
            List<String> missing = new ArrayList<>();
            requirePresent(snap, CONFIG, missing);
            if (!Files.exists(snap.resolve(WEIGHTS))) {
                Path index = snap.resolve(WEIGHTS_INDEX);
                if (Files.exists(index)) {
                    for (String shard : shardNames(index)) {
                        requirePresent(snap, shard, missing);
                    }
                } else {
                    missing.add(WEIGHTS + " (or " + WEIGHTS_INDEX + ")");
                }
            }
            for (String f : TOKENIZER_FILES) {
                requirePresent(snap, f, missing);
            }
            if (!missing.isEmpty()) {
                throw new HubException(HubException.Kind.NOT_IN_CACHE, why + ", and the cached snapshot " + snap
                        + " of '" + repo + "' (revision " + rev + ") lacks " + String.join(", ", missing)
                        + ". Download it again with network access.");
            }
            return snap;
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            throw new HubException(HubException.Kind.NOT_IN_CACHE, why + ", and reading the cache for '" + repo
                    + "' failed: " + describe(e), e);
        }
    }

    private static void requirePresent(Path snap, String file, List<String> missing) {
        if (!Files.exists(snap.resolve(file))) { // follows the symlink: a dangling link counts as missing
            missing.add(file);
        }
    }

    private HubException noSafetensors(RepoId repo, String rev, String commit) throws IOException {
        FileMetadata pt = headOptional(repo, commit, PYTORCH_WEIGHTS);
        if (pt != null) {
            return new HubException(HubException.Kind.UNSUPPORTED, "'" + repo + "' (revision " + rev + ") has only "
                    + PYTORCH_WEIGHTS + "; nci loads only safetensors weights (" + WEIGHTS + " or " + WEIGHTS_INDEX
                    + "). Convert the checkpoint to safetensors or pick a repository that has them.");
        }
        return new HubException(HubException.Kind.NOT_FOUND, "'" + repo + "' (revision " + rev + ") has no " + WEIGHTS
                + ", no " + WEIGHTS_INDEX + " and no " + PYTORCH_WEIGHTS + ": it is not a model nci can load.");
    }

    /** Shard file names listed in an index's {@code weight_map}, distinct and sorted. */
    static List<String> shardNames(Path index) throws HubException {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new HubException(HubException.Kind.PROTOCOL, "cannot read the weight index " + index + ": "
                    + Shown.text(e.getMessage()), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new HubException(HubException.Kind.PROTOCOL, "weight index " + index
                    + " has no non-empty object 'weight_map' (tensor name -> shard file)");
        }
        TreeSet<String> shards = new TreeSet<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new HubException(HubException.Kind.PROTOCOL, "weight index " + index + ": weight_map['"
                        + Shown.text(e.getKey()) + "'] is " + e.getValue().getNodeType() + ", expected a shard file name");
            }
            String shard = e.getValue().asText();
            try {
                HubCache.checkFileName(shard);
            } catch (IllegalArgumentException ex) {
                // No cause: its message quotes the name as the index has it.
                throw new HubException(HubException.Kind.PROTOCOL, "weight index " + index + ": weight_map['"
                        + Shown.text(e.getKey()) + "'] = '" + Shown.text(shard) + "' is not a safe relative file name ("
                        + ex.getMessage() + ")");
            }
            shards.add(shard);
        }
        return List.copyOf(shards);
    }

    // ---------------------------------------------------------------- one file

    /** Makes {@code snapshots/<commit>/<file>} present (downloading its blob if needed) and returns it. */
    private Path fetch(RepoId repo, String commit, String file, FileMetadata meta, ProgressListener listener)
            throws IOException {
        if (!meta.commit().equals(commit)) {
            throw new HubException(HubException.Kind.PROTOCOL, "'" + repo + "' file " + file + " was served from commit "
                    + meta.commit() + " although commit " + commit + " was requested");
        }
        Path pointer = cache.snapshotFile(repo, commit, file);
        if (Files.exists(pointer)) {
            listener.cached(file, meta.size());
            return pointer;
        }
        Path blob = cache.blobPath(repo, meta.etag());
        if (Files.isRegularFile(blob)) {
            cache.link(blob, pointer);
            listener.cached(file, meta.size());
            return pointer;
        }
        Path lockFile = cache.lockPath(repo, meta.etag());
        Files.createDirectories(lockFile.getParent());
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock processLock = lockChannel.lock(); // released when the channel closes
            if (!Files.isRegularFile(blob)) { // another process may have finished it while we waited
                Path part = cache.incompletePath(repo, meta.etag());
                Files.createDirectories(part.getParent());
                long size = transfer(repo, file, meta, part, listener);
                HubCache.moveAtomically(part, blob);
                cache.link(blob, pointer);
                listener.finished(file, size);
                return pointer;
            }
            processLock.release();
        } finally {
            jvmLock.unlock();
        }
        cache.link(blob, pointer);
        listener.cached(file, meta.size());
        return pointer;
    }

    /**
     * Downloads {@code meta.location()} into {@code part}, resuming what is there, retrying dropped connections,
     * then checks the size and the digest the ETag names (SHA-256, git blob SHA-1). On a failed check {@code part}
     * is deleted.
     *
     * @return the file size
     */
    private long transfer(RepoId repo, String file, FileMetadata meta, Path part, ProgressListener listener)
            throws IOException {
        long expected = meta.size();
        MessageDigest sha = meta.isSha256() ? digest("SHA-256") : null;
        byte[] buf = new byte[BUFFER_BYTES];
        long have;
        String actual = null; // the digest of what was received, when the ETag names one
        IOException giveUp = null; // why the retries ended, thrown once the channel is closed
        FileMetadata source = meta; // replaced by a fresh HEAD when a signed download URL is refused
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            have = ch.size();
            if (expected >= 0 && have > expected) { // not a prefix of this file: start over
                ch.truncate(0);
                have = 0;
            }
            if (sha != null && have > 0) {
                hashPrefix(ch, have, sha, buf);
            }
            int failures = 0;
            // Progress is a byte no attempt had reached before: bytes fetched again after a restart from zero (a
            // server ignoring Range) are not, or a server that always drops mid-body would be retried forever.
            long furthest = have;
            while (expected < 0 || have < expected) {
                String reason;
                Duration retryAfter = null;
                boolean newLocation = false;
                IOException cause = null;
                try {
                    TransferResult r = attempt(repo, file, source, ch, have, sha, buf, listener);
                    have = r.have;
                    if (r.complete) {
                        break;
                    }
                    reason = r.reason;
                    retryAfter = r.retryAfter;
                    newLocation = r.newLocation;
                } catch (HubException e) {
                    throw e;
                } catch (LocalWriteFailure e) {
                    // the disk, not the network: retrying would fail the same way
                    have = ch.size();
                    giveUp = new IOException("writing " + part + " failed: " + describe(e.getCause()) + "."
                            + kept(part, have), e.getCause());
                    break;
                } catch (IOException e) {
                    reason = e instanceof HttpTimeoutException ? describe(e) : "connection lost (" + describe(e) + ")";
                    cause = e;
                }
                // Whatever the attempt left on disk is the prefix to resume from; rehash it so the
                // digest matches the file exactly (a restart truncated it, a drop may have cut a chunk).
                have = ch.size();
                if (expected >= 0 && have > expected) {
                    ch.truncate(0);
                    have = 0;
                }
                if (sha != null) {
                    sha.reset();
                    hashPrefix(ch, have, sha, buf);
                }
                failures = have > furthest ? 1 : failures + 1;
                furthest = Math.max(furthest, have);
                if (retryAfter != null && retryAfter.compareTo(MAX_RETRY_AFTER) > 0) {
                    giveUp = new HubException(HubException.Kind.NETWORK, "download of '" + repo + "' file " + file
                            + ": " + reason + ", and the server asks to " + waitTooLong(retryAfter) + kept(part, have));
                    break;
                }
                if (failures > settings.maxRetries()) {
                    giveUp = new HubException(HubException.Kind.NETWORK, "download of '" + repo + "' file " + file
                            + " failed after " + failures + " attempts without getting past byte " + furthest
                            + (expected >= 0 ? " of " + expected : "") + ": " + reason + "." + kept(part, have), cause);
                    break;
                }
                listener.retrying(file, have, failures, reason + (retryAfter == null ? ""
                        : ", waiting " + retryAfter.toSeconds() + " s as its Retry-After asks"));
                pause(failures, retryAfter);
                if (newLocation) {
                    source = freshLocation(repo, file, source);
                }
            }
            if (giveUp == null) {
                ch.force(true);
                if (sha != null) {
                    actual = HexFormat.of().formatHex(sha.digest());
                } else if (meta.isGitSha1() && (expected < 0 || have == expected)) {
                    actual = contentId(ch, have, meta, buf);
                }
            }
        }
        if (giveUp != null) {
            if (have == 0) {
                Files.deleteIfExists(part); // nothing to resume from
            }
            throw giveUp;
        }
        if (expected >= 0 && have != expected) {
            Files.deleteIfExists(part);
            throw new HubException(HubException.Kind.CHECKSUM_MISMATCH, "'" + repo + "' file " + file + ": received "
                    + have + " bytes, the hub announced " + expected + "; the partial download was deleted.");
        }
        if (actual != null && !actual.equalsIgnoreCase(meta.etag())) {
            Files.deleteIfExists(part);
            throw new HubException(HubException.Kind.CHECKSUM_MISMATCH, "'" + repo + "' file " + file + ": "
                    + (meta.isSha256() ? "SHA-256" : "git blob SHA-1") + " mismatch, expected " + meta.etag()
                    + " (ETag), got " + actual + " over " + have + " bytes; the download was deleted.");
        }
        return have;
    }

    /**
     * What one GET achieved; when incomplete, {@code reason}, the server's {@code retryAfter} (or null), and whether
     * to ask the hub for a fresh download URL ({@code newLocation}) before the next attempt.
     */
    private record TransferResult(long have, boolean complete, String reason, Duration retryAfter,
                                  boolean newLocation) {
        TransferResult(long have, boolean complete, String reason) {
            this(have, complete, reason, null, false);
        }
    }

    /** HEAD again for a fresh redirect (a CDN's signed URL expires); the blob must be the same. */
    private FileMetadata freshLocation(RepoId repo, String file, FileMetadata old) throws IOException {
        FileMetadata fresh;
        try {
            fresh = head(repo, old.commit(), file);
        } catch (HubStillFailing e) {
            throw e.toHubException();
        }
        if (!fresh.etag().equals(old.etag()) || !fresh.commit().equals(old.commit())) {
            throw new HubException(HubException.Kind.PROTOCOL, "'" + repo + "' file " + file + " changed from ETag "
                    + old.etag() + " to " + fresh.etag() + " at commit " + old.commit() + " during the download");
        }
        return fresh;
    }

    /** The end of a message for a Retry-After longer than {@link #MAX_RETRY_AFTER}: how long, until when, what to do. */
    private static String waitTooLong(Duration retryAfter) {
        return "wait " + retryAfter.toSeconds() + " s (until " + Instant.now().plus(retryAfter).truncatedTo(ChronoUnit.SECONDS)
                + "), longer than the " + MAX_RETRY_AFTER.toSeconds() + " s nci waits: run again then.";
    }

    /** What a message says about the partial file after a failed download: nothing is claimed for 0 bytes. */
    private static String kept(Path part, long have) {
        return have > 0 ? " The partial file " + part + " (" + have + " bytes) is kept; run again to resume."
                : " Nothing was kept; run again to retry.";
    }

    /** A write to the partial file failed (e.g. the disk is full): not retried, unlike a failed read. */
    private static final class LocalWriteFailure extends IOException {
        LocalWriteFailure(IOException cause) {
            super(cause);
        }
    }

    /** One GET: appends to {@code ch} from {@code have}, or truncates and restarts when the server sends it all. */
    private TransferResult attempt(RepoId repo, String file, FileMetadata meta, FileChannel ch, long have,
                                   MessageDigest sha, byte[] buf, ProgressListener listener) throws IOException {
        long expected = meta.size();
        HttpResponse<InputStream> resp = openGet(repo, file, meta.location(), have);
        int status = resp.statusCode();
        try (InputStream in = resp.body()) {
            if (status == 416 && have > 0 && expected < 0) {
                // "Nothing beyond byte have": complete only if the content verifies, or (no digest to check) the
                // server states that total. Else the partial file may be anything: start over.
                String id = contentId(ch, have, meta, buf);
                if (id != null ? id.equalsIgnoreCase(meta.etag()) : rangeTotal(resp.headers()) == have) {
                    return new TransferResult(have, true, null);
                }
                restart(ch, sha);
                return new TransferResult(0, false, "HTTP 416 for a range from byte " + have
                        + " of a file of unknown size" + (id != null ? " whose content does not match its ETag" : ""));
            }
            if (status == 206) {
                long start = rangeStart(resp.headers());
                if (start != have) {
                    restart(ch, sha);
                    return new TransferResult(0, false, "server sent range from byte " + start + ", asked " + have);
                }
            } else if (status == 200) {
                if (have > 0) {
                    restart(ch, sha); // server ignored Range: the body is the whole file
                    have = 0;
                }
            } else if (status == 416) {
                restart(ch, sha);
                return new TransferResult(0, false, "HTTP 416 for a range from byte " + have);
            } else if (isTransient(status)) {
                return new TransferResult(have, false, statusText(status) + " from " + host(resp.uri()),
                        retryAfter(resp.headers().firstValue("Retry-After").orElse(null), Instant.now()), false);
            } else {
                if ((status == 401 || status == 403) && !onHub(resp.uri())) {
                    // No token goes there: the signed URL the hub redirected to was refused (expired, say).
                    return new TransferResult(have, false, "the signed download URL was refused (HTTP " + status
                            + ") by " + host(resp.uri()), null, true);
                }
                throw statusError(status, resp.headers(), repo, null, file, resp.uri());
            }
            listener.started(file, have, expected);
            ch.position(have);
            AtomicLong lastByteNanos = new AtomicLong(System.nanoTime());
            AtomicBoolean stalled = new AtomicBoolean();
            long stallNanos = settings.stallTimeout().toNanos();
            long period = Math.max(10, settings.stallTimeout().toMillis() / 4);
            ScheduledFuture<?> watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastByteNanos.get() > stallNanos && !stalled.getAndSet(true)) {
                    closeQuietly(in); // unblocks the read below, which then fails and is retried
                }
            }, period, period, TimeUnit.MILLISECONDS);
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    lastByteNanos.set(System.nanoTime());
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    try {
                        while (bb.hasRemaining()) {
                            ch.write(bb);
                        }
                    } catch (IOException e) {
                        throw new LocalWriteFailure(e);
                    }
                    if (sha != null) {
                        sha.update(buf, 0, n);
                    }
                    have += n;
                    if (expected >= 0 && have > expected) {
                        return new TransferResult(have, true, null); // size check in transfer reports it
                    }
                    listener.progress(file, have, expected);
                }
            } catch (IOException e) {
                if (!stalled.get()) {
                    throw e;
                }
            } finally {
                watchdog.cancel(false);
            }
            if (stalled.get()) {
                return new TransferResult(have, false, "stalled: no data for " + settings.stallTimeout().toMillis()
                        + " ms");
            }
            if (expected >= 0 && have < expected) {
                return new TransferResult(have, false, "connection closed at byte " + have + " of " + expected);
            }
            return new TransferResult(have, true, null);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the reader fails anyway
        }
    }

    private static void restart(FileChannel ch, MessageDigest sha) throws IOException {
        ch.truncate(0);
        ch.position(0);
        if (sha != null) {
            sha.reset();
        }
    }

    /** Start offset of {@code Content-Range: bytes start-end/total}; -1 when absent or malformed. */
    static long rangeStart(HttpHeaders h) {
        String cr = h.firstValue("Content-Range").orElse("").strip();
        if (!cr.regionMatches(true, 0, "bytes ", 0, 6)) {
            return -1;
        }
        int dash = cr.indexOf('-', 6);
        try {
            return dash < 0 ? -1 : Long.parseLong(cr.substring(6, dash).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Total of {@code Content-Range: bytes start-end/total} (or {@code bytes *}{@code /total}); -1 when absent or unknown. */
    static long rangeTotal(HttpHeaders h) {
        String cr = h.firstValue("Content-Range").orElse("").strip();
        int slash = cr.lastIndexOf('/');
        if (!cr.regionMatches(true, 0, "bytes ", 0, 6) || slash < 0) {
            return -1;
        }
        return parseSize(cr.substring(slash + 1));
    }

    /**
     * The digest the ETag names, over the first {@code length} bytes of {@code ch}: SHA-256 for an LFS file, the git
     * blob id {@code sha1("blob " + length + "\0" + bytes)} for a file kept in git; null for any other ETag.
     */
    private static String contentId(FileChannel ch, long length, FileMetadata meta, byte[] buf) throws IOException {
        MessageDigest md;
        if (meta.isSha256()) {
            md = digest("SHA-256");
        } else if (meta.isGitSha1()) {
            md = digest("SHA-1");
            md.update(("blob " + length + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } else {
            return null;
        }
        hashPrefix(ch, length, md, buf);
        return HexFormat.of().formatHex(md.digest());
    }

    private static void hashPrefix(FileChannel ch, long length, MessageDigest sha, byte[] buf) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf);
        long pos = 0;
        while (pos < length) {
            bb.clear().limit((int) Math.min(buf.length, length - pos));
            int n = ch.read(bb, pos);
            if (n < 0) {
                throw new IOException("partial download shrank while reading it");
            }
            sha.update(buf, 0, n);
            pos += n;
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + algorithm, e);
        }
    }

    /** Waits the backoff for this many consecutive failures (doubling, at most 30 s), or longer if the server asks. */
    private void pause(int failures, Duration retryAfter) throws HubException {
        long ms = Math.min(settings.retryBackoff().toMillis() << Math.min(failures - 1, 5), 30_000);
        if (retryAfter != null) {
            ms = Math.max(ms, retryAfter.toMillis());
        }
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(HubException.Kind.NETWORK, "download interrupted", e);
        }
    }

    // ---------------------------------------------------------------- HTTP

    /** HEAD at the pinned commit of a file that must exist. */
    private FileMetadata headAt(RepoId repo, String commit, String file) throws IOException {
        try {
            return head(repo, commit, file);
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            // The network went away, or the hub kept failing, mid-download: a file already in the snapshot is good.
            Path pointer = cache.snapshotFile(repo, commit, file);
            if (Files.exists(pointer)) {
                return new FileMetadata(commit, "cached", Files.size(pointer), pointer.toUri());
            }
            if (e instanceof HubStillFailing f) {
                throw f.toHubException();
            }
            throw new HubException(HubException.Kind.NETWORK, "cannot reach " + shown(settings.endpoint()) + " for '"
                    + repo + "' file " + file + " (" + describe(e) + ")", e);
        }
    }

    /** HEAD of a file that may be absent: null on 404 (and the absence is recorded under .no_exist/). */
    private FileMetadata headOptional(RepoId repo, String revision, String file) throws IOException {
        try {
            return headAt(repo, revision, file);
        } catch (HubException e) {
            if (e.kind() != HubException.Kind.NOT_FOUND) {
                throw e;
            }
            if (HubCache.isCommitHash(revision)) {
                Path marker = cache.noExistPath(repo, revision, file);
                Files.createDirectories(marker.getParent());
                if (!Files.exists(marker)) {
                    Files.createFile(marker);
                }
            }
            return null;
        }
    }

    /**
     * {@link #headOnce}, retried as downloads are (same backoff, Retry-After honoured up to
     * {@link #MAX_RETRY_AFTER}) when the hub answers 408, 429 or 5xx or drops the connection. A refused connection
     * or a timeout is not retried: the hub is unreachable, and the caller may answer from the cache at once.
     *
     * @throws HubStillFailing when the hub still fails after the retries (or asks to wait too long)
     * @throws HubException     for other error statuses
     * @throws IOException      when the server cannot be reached
     */
    private FileMetadata head(RepoId repo, String revision, String file) throws IOException {
        for (int failures = 1; ; failures++) {
            String reason;
            Duration retryAfter = null;
            IOException cause;
            try {
                return headOnce(repo, revision, file);
            } catch (TransientStatus e) {
                reason = "answered " + statusText(e.status);
                retryAfter = e.retryAfter;
                cause = null;
            } catch (HubException | ConnectException | HttpTimeoutException | UnknownHostException
                     | ProtocolException e) {
                throw e; // unreachable, or not speaking HTTP properly: retrying will not help
            } catch (IOException e) {
                reason = "dropped the connection (" + describe(e) + ")";
                cause = e;
            }
            String what = "'" + repo + "' (revision " + revision + ") file " + file + ": the hub "
                    + shown(settings.endpoint()) + " " + reason;
            if (retryAfter != null && retryAfter.compareTo(MAX_RETRY_AFTER) > 0) {
                throw new HubStillFailing(reason, what + ", and asks to " + waitTooLong(retryAfter), null);
            }
            if (failures > settings.maxRetries()) {
                throw new HubStillFailing(reason, what + " (" + failures + " attempts); try again later.", cause);
            }
            pause(failures, retryAfter);
        }
    }

    /**
     * The hub kept failing a HEAD after the retries; {@code reason} is the last failure as a verb phrase ("answered
     * HTTP 503 (service unavailable)", "dropped the connection (...)"), for a one-line notice.
     */
    private static final class HubStillFailing extends IOException {
        final String reason;

        HubStillFailing(String reason, String message, IOException cause) {
            super(message, cause);
            this.reason = reason;
        }

        HubException toHubException() {
            return new HubException(HubException.Kind.NETWORK, getMessage(), getCause());
        }
    }

    /** The hub answered a HEAD with a status worth retrying (408, 429, 5xx). */
    private static final class TransientStatus extends IOException {
        final int status;
        final Duration retryAfter;

        TransientStatus(int status, Duration retryAfter) {
            super(statusText(status));
            this.status = status;
            this.retryAfter = retryAfter;
        }
    }

    /**
     * HEAD {@code resolve/<revision>/<file>}: follows relative redirects only, reads the metadata off the last
     * answer (a 302 to the CDN for LFS files).
     *
     * @throws TransientStatus for 408, 429, 5xx
     * @throws HubException    for any other HTTP error status or missing hub headers
     * @throws IOException     when the server cannot be reached
     */
    private FileMetadata headOnce(RepoId repo, String revision, String file) throws IOException {
        URI url = resolveUrl(repo, revision, file);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(url).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .timeout(settings.metadataTimeout())
                    .header("User-Agent", USER_AGENT)
                    .header("Accept-Encoding", "identity");
            authorize(b, url);
            HttpResponse<Void> resp = send(b.build(), HttpResponse.BodyHandlers.discarding());
            int status = resp.statusCode();
            HttpHeaders h = resp.headers();
            URI location = url;
            if (isRedirect(status)) {
                String loc = h.firstValue("Location").orElseThrow(() -> new HubException(HubException.Kind.PROTOCOL,
                        "HTTP " + status + " without Location for " + shown(resp.uri())));
                URI target = resolveLocation(url, loc);
                if (URI.create(loc).getRawAuthority() == null) { // relative: a renamed repository, stay on the hub
                    url = target;
                    continue;
                }
                location = target;
            } else if (isTransient(status)) {
                throw new TransientStatus(status, retryAfter(h.firstValue("Retry-After").orElse(null), Instant.now()));
            } else if (status >= 400) {
                throw statusError(status, h, repo, revision, file, url);
            }
            String commit = h.firstValue("X-Repo-Commit").orElse(null);
            String rawEtag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).orElse(null);
            if (commit == null || rawEtag == null) {
                throw new HubException(HubException.Kind.PROTOCOL, "HEAD " + shown(url) + " answered without "
                        + (commit == null ? "X-Repo-Commit" : "ETag") + ": " + shown(settings.endpoint())
                        + " does not behave like the HuggingFace hub (check HF_ENDPOINT and any proxy).");
            }
            long size = h.firstValue("X-Linked-Size").map(HubClient::parseSize).orElse(-1L);
            if (size < 0 && !isRedirect(status)) {
                size = h.firstValue("Content-Length").map(HubClient::parseSize).orElse(-1L);
            }
            String etag = FileMetadata.normalizeEtag(rawEtag);
            try {
                return new FileMetadata(commit, etag, size, location);
            } catch (IllegalArgumentException e) {
                // No cause: its message quotes the header as the server sent it.
                throw new HubException(HubException.Kind.PROTOCOL, "HEAD " + shown(url) + ": " + Shown.text(e.getMessage()));
            }
        }
        throw new HubException(HubException.Kind.PROTOCOL, "more than " + MAX_REDIRECTS + " redirects for '" + repo
                + "' file " + file);
    }

    /** GET following every redirect by hand, so the token goes only to the endpoint's origin. */
    private HttpResponse<InputStream> openGet(RepoId repo, String file, URI start, long from) throws IOException {
        URI url = start;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            // No request timeout: on JDK 25 it bounds the whole body too, which would cut every large download.
            // The wait for headers is bounded in awaitHeaders; the body has the stall watchdog.
            HttpRequest.Builder b = HttpRequest.newBuilder(url).GET()
                    .header("User-Agent", USER_AGENT)
                    .header("Accept-Encoding", "identity");
            if (from > 0) {
                b.header("Range", "bytes=" + from + "-");
            }
            authorize(b, url);
            HttpResponse<InputStream> resp = awaitHeaders(b.build());
            if (!isRedirect(resp.statusCode())) {
                return resp;
            }
            resp.body().close();
            String loc = resp.headers().firstValue("Location").orElseThrow(() -> new HubException(
                    HubException.Kind.PROTOCOL, "HTTP " + resp.statusCode() + " without Location for " + shown(resp.uri())));
            url = resolveLocation(url, loc);
        }
        throw new HubException(HubException.Kind.PROTOCOL, "more than " + MAX_REDIRECTS + " redirects downloading '"
                + repo + "' file " + file);
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(HubException.Kind.NETWORK, "interrupted during " + req.method() + " " + shown(req.uri()),
                    e);
        }
    }

    /** Sends a GET and waits at most stallTimeout for its response headers; the body then streams unbounded. */
    private HttpResponse<InputStream> awaitHeaders(HttpRequest req) throws IOException {
        CompletableFuture<HttpResponse<InputStream>> f = http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
        try {
            return f.get(settings.stallTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new HttpTimeoutException("no response within " + settings.stallTimeout().toMillis() + " ms from "
                    + req.uri().getHost());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException(describe(io), io); // rethrown here so the stack shows this call site
            }
            throw new IOException(describe(cause), cause);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new HubException(HubException.Kind.NETWORK, "interrupted during GET " + shown(req.uri()), e);
        }
    }

    private void authorize(HttpRequest.Builder b, URI url) throws HubException {
        if (sendsTokenTo(url)) {
            try {
                b.header("Authorization", "Bearer " + settings.token());
            } catch (IllegalArgumentException e) {
                // No cause attached: the JDK's message quotes the header value, token and all.
                throw new HubException(HubException.Kind.ACCESS_DENIED, "the token (HF_TOKEN or the token file)"
                        + " cannot be sent in an HTTP header; fix or remove it");
            }
        }
    }

    /** The token goes to the endpoint's own origin only: a CDN or any host a redirect names never sees it. */
    boolean sendsTokenTo(URI url) {
        return settings.hasToken() && onHub(url);
    }

    /** Whether {@code url} has the endpoint's origin (scheme, host, port). */
    private boolean onHub(URI url) {
        URI ep = settings.endpoint();
        return ep.getScheme().equalsIgnoreCase(url.getScheme())
                && ep.getHost().equalsIgnoreCase(url.getHost() == null ? "" : url.getHost())
                && port(ep) == port(url);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** {@code {endpoint}/{repo}/resolve/{revision}/{file}}, revision fully percent-encoded (refs/pr/1 too). */
    URI resolveUrl(RepoId repo, String revision, String file) {
        HubCache.checkFileName(file);
        StringBuilder sb = new StringBuilder(settings.endpoint().toString()).append('/').append(repo.value())
                .append("/resolve/").append(encode(revision, false)).append('/').append(encode(file, true));
        return URI.create(sb.toString());
    }

    /** Percent-encodes UTF-8 bytes outside the unreserved set (and '/' unless {@code keepSlash}). */
    static String encode(String s, boolean keepSlash) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~' || keepSlash && c == '/') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    private static URI resolveLocation(URI base, String location) throws HubException {
        try {
            return base.resolve(URI.create(location.strip()));
        } catch (IllegalArgumentException e) {
            throw new HubException(HubException.Kind.PROTOCOL, "redirect from " + shown(base)
                    + " to a malformed Location", e);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean isTransient(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    /** How a retryable status is named in messages: never "connection lost", which it is not. */
    static String statusText(int status) {
        return switch (status) {
            case 408 -> "HTTP 408 (request timeout)";
            case 429 -> "rate limited (HTTP 429)";
            case 500 -> "HTTP 500 (internal server error)";
            case 502 -> "HTTP 502 (bad gateway)";
            case 503 -> "HTTP 503 (service unavailable)";
            case 504 -> "HTTP 504 (gateway timeout)";
            default -> "HTTP " + status;
        };
    }

    /**
     * The wait a {@code Retry-After} value asks for: delay-seconds, or an HTTP date (a past one means now); null when
     * absent or malformed.
     */
    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException e) {
                return Duration.ofSeconds(Long.MAX_VALUE / 2_000_000_000L); // absurdly long: treated as "too long"
            }
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** {@code host[:port]} of a URL, for messages that name a server (never its user info or query). */
    static String host(URI u) {
        return (u.getHost() == null ? "?" : u.getHost()) + (u.getPort() >= 0 ? ":" + u.getPort() : "");
    }

    private static long parseSize(String s) {
        try {
            long v = Long.parseLong(s.strip());
            return v >= 0 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Maps an HTTP error to a message that says what to do; the hub's X-Error-Code refines 404s. */
    private HubException statusError(int status, HttpHeaders h, RepoId repo, String revision, String file, URI url) {
        String where = "'" + repo + "'" + (revision != null ? " (revision " + revision + ")" : "") + " file " + file;
        String hubMessage = h.firstValue("X-Error-Message").map(m -> " Hub says: " + sanitize(m)).orElse("");
        if (status == 401 || status == 403) {
            String advice = settings.hasToken()
                    ? "HF_TOKEN is set but was refused: check that it is valid and that your account has accepted"
                    + " the repository's terms on the hub."
                    : "Set HF_TOKEN to an access token (https://huggingface.co/settings/tokens) of an account that"
                    + " may read it.";
            return new HubException(HubException.Kind.ACCESS_DENIED, "access denied (HTTP " + status + ") to " + where
                    + ": the repository is gated or private, or does not exist. " + advice + hubMessage);
        }
        if (status == 404) {
            String code = h.firstValue("X-Error-Code").orElse("");
            String what = switch (code) {
                case "RepoNotFound" -> "repository '" + repo + "' not found on " + shown(settings.endpoint());
                case "RevisionNotFound" -> "revision '" + revision + "' not found in '" + repo + "'";
                case "EntryNotFound" -> "'" + repo + "' has no file " + file
                        + (revision != null ? " at revision " + revision : "");
                default -> "not found (HTTP 404): " + where + " (" + shown(url) + ")";
            };
            return new HubException(HubException.Kind.NOT_FOUND, what + "." + hubMessage);
        }
        return new HubException(isTransient(status) ? HubException.Kind.NETWORK : HubException.Kind.PROTOCOL,
                (isTransient(status) ? statusText(status) : "unexpected HTTP " + status) + " for " + where + " ("
                + shown(url) + ")." + hubMessage);
    }

    /** A URL fit for a message: without user info or its query (which on a CDN carries a signature). */
    static String shown(URI u) {
        return Shown.url(u);
    }

    /** Server text (X-Error-Message) on one line, control characters escaped, at most 300 characters. */
    private static String sanitize(String s) {
        String t = Shown.text(s).replaceAll(" +", " ").strip();
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }

    /** An exception for a message; the JDK's may quote what a server sent (a header with an ESC in it). */
    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + Shown.text(m));
    }

    private static RepoId repo(String repoId) throws HubException {
        try {
            return new RepoId(repoId);
        } catch (IllegalArgumentException e) {
            throw new HubException(HubException.Kind.BAD_SPEC, e.getMessage(), e);
        }
    }
}
