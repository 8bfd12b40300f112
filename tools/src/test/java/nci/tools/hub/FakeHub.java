package nci.tools.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A HuggingFace hub stand-in on 127.0.0.1 (ephemeral ports) that answers like the real one:
 * <ul>
 *   <li>hub server: HEAD/GET {@code /{repo}/resolve/{revision}/{file}}. Small files: 200 with {@code ETag} (git blob
 *       sha1; config.json's is weak, {@code W/"..."}), {@code Content-Length}, {@code X-Repo-Commit}; a GET of a
 *       small file is redirected with a <em>relative</em> 302 to {@code /raw/...}. LFS files: 302 to the CDN
 *       server (another origin) with {@code X-Linked-Etag} (sha256), {@code X-Linked-Size}. Unknown repo: 404
 *       {@code RepoNotFound}; unknown file: 404 {@code EntryNotFound}; gated repo without the right bearer: 401;
 *       renamed repo: 307 with a relative Location to the new name.</li>
 *   <li>CDN server: {@code /cdn/{sha}} 307 (relative) to {@code /blob/{sha}}, which serves the bytes with Range
 *       support (206 + Content-Range) unless told to ignore ranges.</li>
 * </ul>
 * Fault knobs: drop the connection mid-body (or at given offsets), stall mid-body, serve corrupted bytes, answer 503
 * (or any status, with a Retry-After), refuse signed CDN URLs (403), end a body early without a Content-Length, answer 416 to every range, HEAD
 * without Content-Length, ETags that are no digest. Every request is logged. The servers stop on {@link #close()}, and by themselves after two minutes at the latest.
 */
final class FakeHub implements AutoCloseable {

    /** One logged request. */
    record Request(String server, String method, String path, String query, String range, String authorization,
                   long nanos) {
    }

    /** An answer given instead of the file: a status with an optional Retry-After value (null: none). */
    record Refusal(int status, String retryAfter) {
    }

    record FakeFile(byte[] content, boolean lfs) {
        String etag() {
            return lfs ? hex("SHA-256", content) : gitBlobSha1(content);
        }
    }

    static final class Repo {
        final String commit;
        final Map<String, FakeFile> files = new LinkedHashMap<>();
        String requiredToken; // gated: 401 unless "Bearer <token>"

        Repo(String commit) {
            this.commit = commit;
        }

        Repo small(String name, String text) {
            files.put(name, new FakeFile(text.getBytes(StandardCharsets.UTF_8), false));
            return this;
        }

        Repo lfs(String name, byte[] content) {
            files.put(name, new FakeFile(content, true));
            return this;
        }
    }

    /** Stands in for the signature in a real CDN URL: must never show up in a message. */
    static final String SIGNATURE = "sig0123456789";

    final HttpServer hub;
    final HttpServer cdn;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    });
    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final Map<String, String> renamed = new ConcurrentHashMap<>();
    final List<Request> log = java.util.Collections.synchronizedList(new ArrayList<>());

    /** sha256 -> number of GETs still to cut after half of the body. */
    final Map<String, Integer> dropsLeft = new ConcurrentHashMap<>();
    /** sha256 -> number of GETs still to stall (send half, then hang until close). */
    final Map<String, Integer> stallsLeft = new ConcurrentHashMap<>();
    /** sha256 values whose bytes are served corrupted (same length). */
    final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    /** sha256 values answered with 503 forever. */
    final Set<String> unavailable = ConcurrentHashMap.newKeySet();
    /** Content key -> answers given to its next GETs instead of the bytes, one per GET. */
    final Map<String, java.util.Queue<Refusal>> refusals = new ConcurrentHashMap<>();
    /** "signed" -> number of signed CDN URLs (/cdn/...) still to refuse with 403, whatever their signature. */
    final Map<String, Integer> cdnRefusals = new ConcurrentHashMap<>();
    /** Signatures issued so far: every redirect to the CDN carries a new one. */
    final java.util.concurrent.atomic.AtomicInteger signed = new java.util.concurrent.atomic.AtomicInteger();
    /** File name -> answers given to its next HEADs instead of the metadata; status 0 drops the connection. */
    final Map<String, java.util.Queue<Refusal>> headRefusals = new ConcurrentHashMap<>();
    /** Content key -> absolute offsets at which the next GETs cut the connection, one offset per GET. */
    final Map<String, java.util.Queue<Integer>> cutsAt = new ConcurrentHashMap<>();
    /** Content keys (sha256, git sha1) whose next n GETs send half the body, chunked (no Content-Length), and end. */
    final Map<String, Integer> shortUnannouncedLeft = new ConcurrentHashMap<>();
    /** Content keys answered 416 (with {@code Content-Range: bytes *}{@code /size}) to every range request. */
    final Set<String> refuseRanges = ConcurrentHashMap.newKeySet();
    /** File names whose HEAD carries no Content-Length (the size is unknown until the body ends). */
    final Set<String> headWithoutLength = ConcurrentHashMap.newKeySet();
    /** File names (not LFS) whose ETag is an opaque name, not the git blob sha1 (some mirrors do that). */
    final Set<String> opaqueEtag = ConcurrentHashMap.newKeySet();
    /** X-Error-Message of a 404 for an unknown repository. */
    volatile String repoNotFoundMessage = "Repository not found";
    volatile boolean ignoreRange;
    private final CountDownLatch closed = new CountDownLatch(1);

    FakeHub() throws IOException {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(any, 0);
        cdn = HttpServer.create(any, 0);
        hub.setExecutor(pool);
        cdn.setExecutor(pool);
        hub.createContext("/", ex -> handle("hub", ex));
        cdn.createContext("/", ex -> handle("cdn", ex));
        hub.start();
        cdn.start();
        Thread reaper = new Thread(() -> {
            try {
                if (!closed.await(2, TimeUnit.MINUTES)) {
                    close();
                }
            } catch (InterruptedException ignored) {
                // exit
            }
        }, "fake-hub-reaper");
        reaper.setDaemon(true);
        reaper.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    String cdnOrigin() {
        return "http://127.0.0.1:" + cdn.getAddress().getPort();
    }

    Repo repo(String id, String commit) {
        Repo r = new Repo(commit);
        repos.put(id, r);
        return r;
    }

    List<Request> requests(String server, String method) {
        synchronized (log) {
            return log.stream().filter(r -> r.server.equals(server) && r.method.equals(method)).toList();
        }
    }

    @Override
    public void close() {
        closed.countDown();
        hub.stop(0);
        cdn.stop(0);
        pool.shutdownNow();
    }

    // ------------------------------------------------------------------ handlers

    private void handle(String server, HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            log.add(new Request(server, ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(),
                    ex.getRequestHeaders().getFirst("Range"),
                    ex.getRequestHeaders().getFirst("Authorization"), System.nanoTime()));
            if (server.equals("cdn")) {
                if (path.startsWith("/cdn/") && take(cdnRefusals, "signed")) {
                    empty(ex, 403); // the signed URL expired, say; the hub would sign a new one
                } else if (path.startsWith("/cdn/")) {
                    redirect(ex, 307, "/blob/" + path.substring(5));
                } else if (path.startsWith("/blob/")) {
                    String sha = path.substring(6);
                    FakeFile f = findLfs(sha);
                    if (f == null) {
                        empty(ex, 404);
                    } else {
                        serveBytes(ex, f, sha);
                    }
                } else {
                    empty(ex, 404);
                }
                return;
            }
            if (path.startsWith("/raw/")) { // /raw/{commit}/{repo...}/{file} is served via index lookup
                String[] p = path.substring(5).split("/", 2);
                for (Repo r : repos.values()) {
                    if (r.commit.equals(p[0]) && p.length == 2) {
                        for (Map.Entry<String, FakeFile> e : r.files.entrySet()) {
                            if (p[1].endsWith("/" + e.getKey()) && !e.getValue().lfs) {
                                serveBytes(ex, e.getValue(), e.getValue().etag());
                                return;
                            }
                        }
                    }
                }
                empty(ex, 404);
                return;
            }
            int i = path.indexOf("/resolve/");
            if (i < 1) {
                empty(ex, 404);
                return;
            }
            String repoId = path.substring(1, i);
            String rest = path.substring(i + "/resolve/".length());
            int slash = rest.indexOf('/');
            String revision = URLDecoder.decode(rest.substring(0, slash), StandardCharsets.UTF_8);
            String file = URLDecoder.decode(rest.substring(slash + 1), StandardCharsets.UTF_8);
            if (ex.getRequestMethod().equals("HEAD")) {
                java.util.Queue<Refusal> q = headRefusals.get(file);
                Refusal r = q == null ? null : q.peek();
                if (r != null && r.status() == 0) {
                    q.poll();
                    throw new IOException("fake hub: HEAD connection dropped on purpose");
                }
                if (refuse(ex, q)) {
                    return;
                }
            }
            if (renamed.containsKey(repoId)) {
                redirect(ex, 307, "/" + renamed.get(repoId) + "/resolve/" + rest);
                return;
            }
            Repo repo = repos.get(repoId);
            if (repo == null) {
                ex.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
                ex.getResponseHeaders().set("X-Error-Message", repoNotFoundMessage);
                empty(ex, 404);
                return;
            }
            if (repo.requiredToken != null
                    && !("Bearer " + repo.requiredToken).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("X-Error-Message", "Access to model " + repoId + " is restricted.");
                empty(ex, 401);
                return;
            }
            if (!revision.equals("main") && !revision.equals(repo.commit)) {
                ex.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
                empty(ex, 404);
                return;
            }
            ex.getResponseHeaders().set("X-Repo-Commit", repo.commit);
            FakeFile f = repo.files.get(file);
            if (f == null) {
                ex.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
                empty(ex, 404);
                return;
            }
            if (f.lfs) {
                ex.getResponseHeaders().set("X-Linked-Etag", "\"" + f.etag() + "\"");
                ex.getResponseHeaders().set("X-Linked-Size", Integer.toString(f.content.length));
                ex.getResponseHeaders().set("ETag", "\"pointer-" + f.etag().substring(0, 8) + "\"");
                redirect(ex, 302, cdnOrigin() + "/cdn/" + f.etag() + "?X-Amz-Signature=" + SIGNATURE + "-"
                        + signed.incrementAndGet() + "&Expires=1");
                return;
            }
            String etag = opaqueEtag.contains(file) ? "\"opaque-" + f.etag().substring(0, 8) + "\""
                    : file.equals("config.json") ? "W/\"" + f.etag() + "\"" : "\"" + f.etag() + "\"";
            ex.getResponseHeaders().set("ETag", etag);
            if (ex.getRequestMethod().equals("HEAD")) {
                if (!headWithoutLength.contains(file)) {
                    ex.getResponseHeaders().set("Content-Length", Integer.toString(f.content.length));
                }
                ex.sendResponseHeaders(200, -1);
            } else {
                redirect(ex, 302, "/raw/" + repo.commit + "/" + repoId + "/" + file);
            }
        }
    }

    private FakeFile findLfs(String sha) {
        for (Repo r : repos.values()) {
            for (FakeFile f : r.files.values()) {
                if (f.lfs && f.etag().equals(sha)) {
                    return f;
                }
            }
        }
        return null;
    }

    private void serveBytes(HttpExchange ex, FakeFile f, String key) throws IOException {
        if (unavailable.contains(key)) {
            empty(ex, 503);
            return;
        }
        if (refuse(ex, refusals.get(key))) {
            return;
        }
        byte[] body = f.content;
        if (corrupt.contains(key)) {
            body = body.clone();
            body[body.length / 2] ^= 0x5a;
        }
        int from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && refuseRanges.contains(key)) {
            ex.getResponseHeaders().set("Content-Range", "bytes */" + body.length);
            empty(ex, 416);
            return;
        }
        if (range != null && !ignoreRange) {
            from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
        }
        int length = body.length - from;
        if (from > 0) {
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        }
        ex.getResponseHeaders().set("ETag", "\"" + f.etag() + "\"");
        if (!ex.getRequestMethod().equals("HEAD") && take(shortUnannouncedLeft, key)) {
            ex.sendResponseHeaders(from > 0 ? 206 : 200, 0); // chunked: the client cannot tell a short body
            ex.getResponseBody().write(body, from, length / 2);
            return;
        }
        ex.sendResponseHeaders(from > 0 ? 206 : 200, length);
        if (ex.getRequestMethod().equals("HEAD")) {
            return;
        }
        OutputStream out = ex.getResponseBody();
        Integer cut = cutsAt.getOrDefault(key, new java.util.ArrayDeque<>()).poll();
        if (cut != null) {
            out.write(body, from, Math.max(0, cut - from));
            out.flush();
            throw new IOException("fake hub: connection cut at byte " + cut + " on purpose");
        }
        if (take(dropsLeft, key)) {
            out.write(body, from, length / 2);
            out.flush();
            // A handler that fails makes the JDK server close the connection: the client sees a cut body.
            throw new IOException("fake hub: connection dropped on purpose");
        }
        if (take(stallsLeft, key)) {
            out.write(body, from, length / 2);
            out.flush();
            try {
                closed.await(); // hang until the test ends; the client's watchdog must give up first
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        out.write(body, from, length);
    }

    /** Answers with the next refusal in {@code queue}, if any. */
    private static boolean refuse(HttpExchange ex, java.util.Queue<Refusal> queue) throws IOException {
        Refusal r = queue == null ? null : queue.poll();
        if (r == null) {
            return false;
        }
        if (r.retryAfter() != null) {
            ex.getResponseHeaders().set("Retry-After", r.retryAfter());
        }
        empty(ex, r.status());
        return true;
    }

    static java.util.Queue<Refusal> queue(Refusal... refusals) {
        return new java.util.concurrent.ConcurrentLinkedQueue<>(List.of(refusals));
    }

    private static boolean take(Map<String, Integer> counters, String key) {
        Integer[] hit = {0};
        counters.computeIfPresent(key, (k, n) -> {
            hit[0] = n;
            return n > 1 ? n - 1 : null;
        });
        return hit[0] > 0;
    }

    private static void redirect(HttpExchange ex, int status, String location) throws IOException {
        ex.getResponseHeaders().set("Location", location);
        ex.sendResponseHeaders(status, -1);
    }

    private static void empty(HttpExchange ex, int status) throws IOException {
        ex.sendResponseHeaders(status, -1);
    }

    // ------------------------------------------------------------------ digests

    static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The id git gives a blob: sha1 of "blob {length}\0" + content (what the hub sends as a small file's ETag). */
    static String gitBlobSha1(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + content.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        return hex("SHA-1", all);
    }
}
