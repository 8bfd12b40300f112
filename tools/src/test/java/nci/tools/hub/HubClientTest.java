package nci.tools.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** HubClient against {@link FakeHub}: cache layout, redirects, resume, checksums, auth, offline. */
@Timeout(60)
class HubClientTest {

    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String COMMIT2 = "fedcba9876543210fedcba9876543210fedcba98";
    static final String TOKEN = "hf_TESTsecretTOKEN0123456789";

    @TempDir
    Path home;

    FakeHub server;
    byte[] weights;
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final ProgressListener recorder = new ProgressListener() {
        @Override
        public void cached(String file, long size) {
            events.add("cached " + file);
        }

        @Override
        public void started(String file, long done, long total) {
            events.add("started " + file + " " + done + "/" + total);
        }

        @Override
        public void retrying(String file, long done, int attempt, String reason) {
            events.add("retrying " + file + " at " + done + " #" + attempt + " " + reason);
        }

        @Override
        public void finished(String file, long size) {
            events.add("finished " + file + " " + size);
        }

        @Override
        public void notice(String message) {
            events.add("notice " + message);
        }
    };

    @BeforeEach
    void start() throws IOException {
        server = new FakeHub();
        weights = randomBytes(6000, 42);
        server.repo("org/tiny", COMMIT)
                .small("config.json", "{\"model_type\":\"gpt2\",\"n_layer\":2}")
                .lfs("model.safetensors", weights)
                .small("vocab.json", "{\"a\":0,\"b\":1}")
                .small("merges.txt", "#version: 0.2\na b\n");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", server.endpoint());
        env.put("HF_HOME", home.toString());
        return env;
    }

    HubClient client(Map<String, String> env) {
        HubSettings s = HubSettings.fromEnvironment(env).withRetries(3, Duration.ZERO);
        return new HubClient(s, recorder);
    }

    Path repoDir(String folder) {
        return home.resolve("hub").resolve(folder);
    }

    String sha256(byte[] b) {
        return FakeHub.hex("SHA-256", b);
    }

    static void assertBytes(String what, byte[] expected, Path actualFile) throws IOException {
        byte[] actual = Files.readAllBytes(actualFile);
        if (!Arrays.equals(expected, actual)) {
            int i = 0;
            while (i < Math.min(expected.length, actual.length) && expected[i] == actual[i]) {
                i++;
            }
            fail(what + ": " + actualFile + " differs: lengths " + expected.length + " vs " + actual.length
                    + ", first difference at byte " + i);
        }
    }

    List<Path> allFiles(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p)).toList();
        }
    }

    // ------------------------------------------------------------------ layout

    @Test
    void downloadBuildsTheHuggingfaceHubCacheLayout() throws IOException {
        Path snap = client(env()).download("org/tiny", null);

        Path repo = repoDir("models--org--tiny");
        assertEquals(repo.resolve("snapshots").resolve(COMMIT), snap);
        assertEquals(COMMIT, Files.readString(repo.resolve("refs/main")), "refs/main holds the bare commit");
        for (Map.Entry<String, FakeHub.FakeFile> e : server.repos.get("org/tiny").files.entrySet()) {
            Path link = snap.resolve(e.getKey());
            assertTrue(Files.isSymbolicLink(link), e.getKey() + " is a symlink");
            String etag = e.getValue().etag();
            assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(link),
                    e.getKey() + " links relatively to its blob");
            assertTrue(Files.isRegularFile(repo.resolve("blobs").resolve(etag)), "blob " + etag);
            assertBytes(e.getKey(), e.getValue().content(), link);
        }
        // LFS blob named by the sha256 of the content, small files by their git blob sha1 (config's weak ETag too).
        assertTrue(Files.isRegularFile(repo.resolve("blobs").resolve(sha256(weights))));
        assertTrue(Files.isRegularFile(repo.resolve("blobs").resolve(FakeHub.gitBlobSha1(
                "{\"model_type\":\"gpt2\",\"n_layer\":2}".getBytes(StandardCharsets.UTF_8)))));
        // Nothing half-done is left behind.
        assertEquals(List.of(), allFiles(repo).stream().filter(p -> p.toString().endsWith(".incomplete")).toList());
        assertEquals(4, allFiles(repo.resolve("blobs")).size());
        // The LFS file went hub 302 -> CDN /cdn (307 relative) -> /blob; small files via a relative 302 to /raw.
        assertEquals(1, server.requests("cdn", "GET").stream().filter(r -> r.path().startsWith("/cdn/")).count());
        assertEquals(1, server.requests("cdn", "GET").stream().filter(r -> r.path().startsWith("/blob/")).count());
        assertEquals(3, server.requests("hub", "GET").stream().filter(r -> r.path().startsWith("/raw/")).count());
        // Later files were requested at the pinned commit, not at "main".
        assertTrue(server.requests("hub", "HEAD").stream().filter(r -> r.path().contains("vocab.json"))
                .allMatch(r -> r.path().contains("/resolve/" + COMMIT + "/")));
        assertTrue(events.contains("finished model.safetensors 6000"), events.toString());
    }

    @Test
    void secondDownloadReusesTheCacheWithoutFetchingBlobs() throws IOException {
        HubClient c = client(env());
        Path first = c.download("org/tiny", "main");
        int getsBefore = server.requests("hub", "GET").size() + server.requests("cdn", "GET").size();
        events.clear();

        Path second = c.download("org/tiny", "main");

        assertEquals(first, second);
        int getsAfter = server.requests("hub", "GET").size() + server.requests("cdn", "GET").size();
        assertEquals(getsBefore, getsAfter, "no GET on the second run");
        assertEquals(List.of("cached config.json", "cached model.safetensors", "cached vocab.json",
                "cached merges.txt"), events);
    }

    @Test
    void existingBlobIsLinkedIntoANewSnapshotWithoutDownload() throws IOException {
        HubClient c = client(env());
        c.download("org/tiny", null);
        // Same files at a new commit: every blob is already there.
        Map<String, FakeHub.FakeFile> files = server.repos.get("org/tiny").files;
        server.repo("org/tiny", COMMIT2).files.putAll(files);
        int getsBefore = server.log.size();

        Path snap = c.download("org/tiny", null);

        assertEquals(repoDir("models--org--tiny").resolve("snapshots").resolve(COMMIT2), snap);
        assertEquals(COMMIT2, Files.readString(repoDir("models--org--tiny").resolve("refs/main")));
        assertTrue(server.log.subList(getsBefore, server.log.size()).stream().noneMatch(r -> r.method().equals("GET")));
        assertBytes("weights", weights, snap.resolve("model.safetensors"));
    }

    @Test
    void shardedIndexDownloadsEveryShardOnce() throws IOException {
        byte[] s1 = randomBytes(3000, 1);
        byte[] s2 = randomBytes(2500, 2);
        String index = """
                {"metadata": {"total_size": 5500},
                 "weight_map": {"h.0.attn.c_attn.weight": "model-00001-of-00002.safetensors",
                                "h.0.mlp.c_fc.weight": "model-00001-of-00002.safetensors",
                                "wte.weight": "model-00002-of-00002.safetensors"}}""";
        server.repo("org/sharded", COMMIT2)
                .small("config.json", "{}")
                .small("model.safetensors.index.json", index)
                .lfs("model-00001-of-00002.safetensors", s1)
                .lfs("model-00002-of-00002.safetensors", s2)
                .small("vocab.json", "{}")
                .small("merges.txt", "#version: 0.2\n");

        Path snap = client(env()).download("org/sharded", null);

        assertBytes("shard 1", s1, snap.resolve("model-00001-of-00002.safetensors"));
        assertBytes("shard 2", s2, snap.resolve("model-00002-of-00002.safetensors"));
        assertEquals(Path.of("../../blobs/" + sha256(s1)),
                Files.readSymbolicLink(snap.resolve("model-00001-of-00002.safetensors")));
        assertEquals(2, server.requests("cdn", "GET").stream().filter(r -> r.path().startsWith("/blob/")).count());
        assertTrue(Files.exists(repoDir("models--org--sharded").resolve(".no_exist").resolve(COMMIT2)
                .resolve("model.safetensors")), "absence of model.safetensors recorded like huggingface_hub");
        // And the cache alone can serve it.
        assertEquals(snap, client(env()).resolveCached("org/sharded", null));
    }

    @Test
    void pytorchOnlyRepoIsRejectedClearly() {
        server.repo("org/old", COMMIT2).small("config.json", "{}").lfs("pytorch_model.bin", randomBytes(100, 3))
                .small("vocab.json", "{}").small("merges.txt", "");
        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/old", null));
        assertEquals(HubException.Kind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("safetensors") && e.getMessage().contains("pytorch_model.bin")
                && e.getMessage().contains("org/old"), e.getMessage());
        assertFalse(Files.exists(repoDir("models--org--old").resolve("refs/main")));
    }

    @Test
    void renamedRepositoryIsFollowedThroughARelativeRedirectOnHead() throws IOException {
        server.renamed.put("oldname", "org/tiny");
        Path snap = client(env()).download("oldname", null);
        // Cached under the name asked for, as huggingface_hub does.
        assertEquals(repoDir("models--oldname").resolve("snapshots").resolve(COMMIT), snap);
        assertBytes("weights", weights, snap.resolve("model.safetensors"));
    }

    // ------------------------------------------------------------------ auth and errors

    @Test
    void tokenGoesToTheHubOnlyAndIsNeverPrinted() throws IOException {
        server.repos.get("org/tiny").requiredToken = TOKEN;
        Map<String, String> env = env();
        env.put("HF_TOKEN", TOKEN);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        HubSettings settings = HubSettings.fromEnvironment(env).withRetries(3, Duration.ZERO);
        server.dropsLeft.put(sha256(weights), 1); // a retry message gets printed too
        HubClient c = new HubClient(settings, new ConsoleProgress(new PrintStream(console, true,
                StandardCharsets.UTF_8), false, System::nanoTime));

        Path snap = c.download("org/tiny", null);
        HubException missing = assertThrows(HubException.class, () -> c.download("org/absent", null));

        assertBytes("weights", weights, snap.resolve("model.safetensors"));
        for (FakeHub.Request r : server.requests("hub", "HEAD")) {
            assertEquals("Bearer " + TOKEN, r.authorization(), "hub HEAD " + r.path());
        }
        assertFalse(server.requests("cdn", "GET").isEmpty());
        for (FakeHub.Request r : server.requests("cdn", "GET")) {
            assertNull(r.authorization(), "token must not reach the CDN: " + r.path());
        }
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("model.safetensors"), printed);
        assertFalse(printed.contains(TOKEN), "token printed: " + printed);
        assertFalse(settings.toString().contains(TOKEN), settings.toString());
        assertFalse(missing.getMessage().contains(TOKEN), missing.getMessage());
    }

    @Test
    void tokenIsReadFromTheLoginFileWhenHfTokenIsUnset() throws IOException {
        server.repos.get("org/tiny").requiredToken = TOKEN;
        Files.writeString(home.resolve("token"), TOKEN + "\n");
        client(env()).download("org/tiny", null);
        assertEquals("Bearer " + TOKEN, server.requests("hub", "HEAD").get(0).authorization());
    }

    @Test
    void gatedRepositoryWithoutTokenSaysToSetHfToken() {
        server.repos.get("org/tiny").requiredToken = TOKEN;
        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));
        assertEquals(HubException.Kind.ACCESS_DENIED, e.kind());
        assertTrue(e.getMessage().contains("401") && e.getMessage().contains("gated")
                && e.getMessage().contains("HF_TOKEN") && e.getMessage().contains("org/tiny"), e.getMessage());
        assertFalse(Files.exists(repoDir("models--org--tiny").resolve("snapshots")));
        assertFalse(Files.exists(repoDir("models--org--tiny").resolve("refs")));
    }

    @Test
    void wrongTokenIsReportedAsRefused() {
        server.repos.get("org/tiny").requiredToken = TOKEN;
        Map<String, String> env = env();
        env.put("HF_TOKEN", "hf_wrong");
        HubException e = assertThrows(HubException.class, () -> client(env).download("org/tiny", null));
        assertEquals(HubException.Kind.ACCESS_DENIED, e.kind());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertFalse(e.getMessage().contains("hf_wrong"), e.getMessage());
    }

    @Test
    void unknownRepositoryAndRevisionAreNamed() {
        HubException repo = assertThrows(HubException.class, () -> client(env()).download("org/nope", null));
        assertEquals(HubException.Kind.NOT_FOUND, repo.kind());
        assertTrue(repo.getMessage().contains("repository 'org/nope' not found"), repo.getMessage());

        HubException rev = assertThrows(HubException.class, () -> client(env()).download("org/tiny", "v9"));
        assertEquals(HubException.Kind.NOT_FOUND, rev.kind());
        assertTrue(rev.getMessage().contains("revision 'v9'"), rev.getMessage());

        for (String bad : new String[] {"", "../../x"}) {
            Exception e = assertThrows(Exception.class, () -> client(env()).download("org/tiny", bad));
            assertTrue(e.getMessage().contains("revision '" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void missingTokenizerFileIsNamedAndNoRefIsWritten() {
        server.repos.get("org/tiny").files.remove("merges.txt");
        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));
        assertEquals(HubException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("merges.txt"), e.getMessage());
        assertFalse(Files.exists(repoDir("models--org--tiny").resolve("refs/main")), "ref only after completion");
    }

    // ------------------------------------------------------------------ resume and integrity

    @Test
    void droppedConnectionIsResumedWithARangeRequest() throws IOException {
        String sha = sha256(weights);
        server.dropsLeft.put(sha, 2);

        Path snap = client(env()).download("org/tiny", null);

        assertBytes("weights", weights, snap.resolve("model.safetensors"));
        List<FakeHub.Request> blobGets = server.requests("cdn", "GET").stream()
                .filter(r -> r.path().startsWith("/blob/")).toList();
        assertEquals(3, blobGets.size(), blobGets.toString());
        assertNull(blobGets.get(0).range());
        assertEquals("bytes=3000-", blobGets.get(1).range(), "resume after the first half");
        assertEquals("bytes=4500-", blobGets.get(2).range(), "resume after half of the rest");
        assertTrue(events.stream().anyMatch(s -> s.startsWith("retrying model.safetensors at 3000 #1")), events.toString());
        assertTrue(events.contains("started model.safetensors 4500/6000"), events.toString());
    }

    @Test
    void earlierPartialDownloadIsResumed() throws IOException {
        String sha = sha256(weights);
        Path part = repoDir("models--org--tiny").resolve("blobs").resolve(sha + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, Arrays.copyOf(weights, 1000));

        Path snap = client(env()).download("org/tiny", null);

        assertBytes("weights", weights, snap.resolve("model.safetensors"));
        assertEquals("bytes=1000-", server.requests("cdn", "GET").stream()
                .filter(r -> r.path().startsWith("/blob/")).findFirst().orElseThrow().range());
        assertFalse(Files.exists(part));
    }

    /** A failed write to the partial file (here /dev/full: "No space left on device") is not a network error: no retries. */
    @Test
    void fullDiskFailsAtOnceNamingThePartialFile() throws IOException {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "no writable /dev/full");
        Path part = repoDir("models--org--tiny").resolve("blobs").resolve(sha256(weights) + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.createSymbolicLink(part, full);

        IOException e = assertThrows(IOException.class, () -> client(env()).download("org/tiny", null));

        assertTrue(e.getMessage().contains("writing " + part + " failed") && e.getMessage().contains("No space left"),
                e.getMessage());
        assertFalse(e.getMessage().contains("is kept"), "0 bytes were written: " + e.getMessage());
        assertEquals(1, server.requests("cdn", "GET").stream().filter(r -> r.path().startsWith("/blob/")).count(),
                "not retried");
        assertTrue(events.stream().noneMatch(x -> x.startsWith("retrying")), events.toString());
    }

    @Test
    void serverIgnoringRangeRestartsFromZero() throws IOException {
        String sha = sha256(weights);
        Path part = repoDir("models--org--tiny").resolve("blobs").resolve(sha + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, randomBytes(1000, 99)); // garbage prefix: only a real restart gets the checksum right
        server.ignoreRange = true;

        Path snap = client(env()).download("org/tiny", null);

        assertBytes("weights", weights, snap.resolve("model.safetensors"));
        assertTrue(events.contains("started model.safetensors 0/6000"), events.toString());
    }

    /**
     * A server that ignores Range and always drops mid-body: each retry starts from zero, and reaching a byte an
     * earlier attempt already had is no progress, so the retries end (here after 1 + 3).
     */
    @Test
    void bytesFetchedAgainAfterARestartAreNoProgress() {
        String sha = sha256(weights);
        server.ignoreRange = true;
        java.util.Queue<Integer> cuts = new java.util.concurrent.ConcurrentLinkedQueue<>();
        cuts.add(3000);
        for (int i = 0; i < 20; i++) {
            cuts.add(i % 2 == 0 ? 2000 : 2500); // each cut further than the one before it, never past 3000
        }
        server.cutsAt.put(sha, cuts);

        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));

        assertEquals(HubException.Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("4 attempts") && e.getMessage().contains("past byte 3000 of 6000"),
                e.getMessage());
        assertEquals(4, server.requests("cdn", "GET").stream().filter(r -> r.path().startsWith("/blob/")).count());
    }

    @Test
    void stalledTransferIsAbandonedAndResumed() throws IOException {
        server.stallsLeft.put(sha256(weights), 1);
        HubSettings s = HubSettings.fromEnvironment(env()).withRetries(3, Duration.ZERO)
                .withStallTimeout(Duration.ofMillis(1000)); // generous: it also bounds the wait for headers

        Path snap = new HubClient(s, recorder).download("org/tiny", null);

        assertBytes("weights", weights, snap.resolve("model.safetensors"));
        assertTrue(events.stream().anyMatch(e -> e.startsWith("retrying model.safetensors at 3000") && e.contains(
                "no data")), events.toString());
    }

    @Test
    void wrongChecksumFailsAndLeavesNothingThatLooksComplete() throws IOException {
        String sha = sha256(weights);
        server.corrupt.add(sha);

        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));

        assertEquals(HubException.Kind.CHECKSUM_MISMATCH, e.kind());
        byte[] served = weights.clone();
        served[served.length / 2] ^= 0x5a;
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains(sha)
                && e.getMessage().contains(sha256(served)), e.getMessage());
        Path repo = repoDir("models--org--tiny");
        assertFalse(Files.exists(repo.resolve("blobs").resolve(sha)), "no complete blob");
        assertFalse(Files.exists(repo.resolve("blobs").resolve(sha + ".incomplete")), "no partial blob");
        assertFalse(Files.exists(repo.resolve("snapshots").resolve(COMMIT).resolve("model.safetensors"), 
                java.nio.file.LinkOption.NOFOLLOW_LINKS), "no snapshot entry");
        assertFalse(Files.exists(repo.resolve("refs/main")));
    }

    FakeHub.FakeFile small(String name) {
        return server.repos.get("org/tiny").files.get(name);
    }

    void assertNothingInstalled(String file, String etag) {
        Path repo = repoDir("models--org--tiny");
        assertFalse(Files.exists(repo.resolve("blobs").resolve(etag)), "no complete blob");
        assertFalse(Files.exists(repo.resolve("blobs").resolve(etag + ".incomplete")), "no partial blob");
        assertFalse(Files.exists(repo.resolve("snapshots").resolve(COMMIT).resolve(file),
                java.nio.file.LinkOption.NOFOLLOW_LINKS), "no snapshot entry");
        assertFalse(Files.exists(repo.resolve("refs/main")));
    }

    /** The hub's ETag for a file kept in git is its git blob sha1: a same-length corruption is caught. */
    @Test
    void smallFileCorruptedToTheSameLengthIsRefused() {
        FakeHub.FakeFile vocab = small("vocab.json");
        server.corrupt.add(vocab.etag());

        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));

        assertEquals(HubException.Kind.CHECKSUM_MISMATCH, e.kind());
        byte[] served = vocab.content().clone();
        served[served.length / 2] ^= 0x5a;
        assertTrue(e.getMessage().contains("vocab.json") && e.getMessage().contains("git blob SHA-1")
                && e.getMessage().contains(vocab.etag()) && e.getMessage().contains(FakeHub.gitBlobSha1(served)),
                e.getMessage());
        assertNothingInstalled("vocab.json", vocab.etag());
    }

    /** No Content-Length anywhere: a body that ends early looks complete, and only its digest tells. */
    @Test
    void smallFileCutShortWithoutAnyLengthIsRefusedThenFetchedWhole() throws IOException {
        FakeHub.FakeFile merges = small("merges.txt");
        server.headWithoutLength.add("merges.txt");
        server.shortUnannouncedLeft.put(merges.etag(), 1);

        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));

        assertEquals(HubException.Kind.CHECKSUM_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains("merges.txt") && e.getMessage().contains("over "
                + merges.content().length / 2 + " bytes"), e.getMessage());
        assertNothingInstalled("merges.txt", merges.etag());
        Path snap = client(env()).download("org/tiny", null);
        assertBytes("merges", merges.content(), snap.resolve("merges.txt"));
    }

    /** A 416 to a resume says "nothing beyond": with the size unknown, only a verified partial file is complete. */
    @Test
    void rangeRefusedWhileTheSizeIsUnknownStartsOverUnlessThePartialVerifies() throws IOException {
        FakeHub.FakeFile vocab = small("vocab.json");
        server.headWithoutLength.add("vocab.json");
        server.refuseRanges.add(vocab.etag());
        Path part = repoDir("models--org--tiny").resolve("blobs").resolve(vocab.etag() + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, Arrays.copyOf(vocab.content(), 5));

        Path snap = client(env()).download("org/tiny", null);

        assertBytes("vocab", vocab.content(), snap.resolve("vocab.json"));
        List<String> ranges = server.requests("hub", "GET").stream().filter(r -> r.path().endsWith("/vocab.json")
                && r.path().startsWith("/raw/")).map(r -> String.valueOf(r.range())).toList();
        assertEquals(List.of("bytes=5-", "null"), ranges, "resume refused, then the whole file");

        // A partial file that is in fact whole verifies: done without another byte.
        Files.delete(snap.resolve("vocab.json"));
        Files.move(repoDir("models--org--tiny").resolve("blobs").resolve(vocab.etag()), part);
        server.log.clear();
        Path again = client(env()).download("org/tiny", null);
        assertBytes("vocab", vocab.content(), again.resolve("vocab.json"));
        assertEquals(List.of("bytes=" + vocab.content().length + "-"), server.requests("hub", "GET").stream()
                .filter(r -> r.path().startsWith("/raw/") && r.path().endsWith("/vocab.json"))
                .map(FakeHub.Request::range).toList());
    }

    /** A server whose ETags are not digests (a mirror) is still accepted: the ETag only names the blob. */
    @Test
    void smallFileWithAnOpaqueEtagIsAcceptedUnchecked() throws IOException {
        server.opaqueEtag.add("vocab.json");
        String opaque = "opaque-" + small("vocab.json").etag().substring(0, 8);

        Path snap = client(env()).download("org/tiny", null);

        assertBytes("vocab", small("vocab.json").content(), snap.resolve("vocab.json"));
        assertEquals(Path.of("../../blobs/" + opaque), Files.readSymbolicLink(snap.resolve("vocab.json")));
        assertTrue(events.stream().noneMatch(x -> x.startsWith("retrying")), events.toString());
    }

    @Test
    void persistentServerErrorGivesUpAndKeepsNothingComplete() {
        server.unavailable.add(sha256(weights));
        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));
        assertEquals(HubException.Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("HTTP 503")
                && e.getMessage().contains("4 attempts"), e.getMessage());
        // A status is not a lost connection, and with 0 bytes there is no partial file to resume from.
        assertFalse(e.getMessage().contains("connection lost") || e.getMessage().contains("is kept"), e.getMessage());
        assertTrue(e.getMessage().contains("Nothing was kept"), e.getMessage());
        assertTrue(events.stream().filter(x -> x.startsWith("retrying")).allMatch(x -> x.contains("HTTP 503")
                && !x.contains("connection lost")), events.toString());
        assertFalse(Files.exists(repoDir("models--org--tiny").resolve("blobs").resolve(sha256(weights) + ".incomplete")));
        assertFalse(e.getMessage().contains(FakeHub.SIGNATURE), e.getMessage());
        assertEquals(4, server.requests("cdn", "GET").stream().filter(r -> r.path().startsWith("/blob/")).count());
        assertFalse(Files.exists(repoDir("models--org--tiny").resolve("snapshots").resolve(COMMIT)
                .resolve("model.safetensors")));
    }

    @Test
    void retryAfterIsWaitedOutOnADownload() throws IOException {
        server.refusals.put(sha256(weights), FakeHub.queue(new FakeHub.Refusal(429, "1")));

        Path snap = client(env()).download("org/tiny", null); // backoff 0: only Retry-After makes it wait

        assertBytes("weights", weights, snap.resolve("model.safetensors"));
        List<FakeHub.Request> gets = server.requests("cdn", "GET").stream()
                .filter(r -> r.path().startsWith("/blob/")).toList();
        assertEquals(2, gets.size(), gets.toString());
        long waitedMs = (gets.get(1).nanos() - gets.get(0).nanos()) / 1_000_000;
        assertTrue(waitedMs >= 950, "waited " + waitedMs + " ms");
        assertTrue(events.stream().anyMatch(x -> x.startsWith("retrying model.safetensors at 0 #1 rate limited (HTTP 429)")
                && x.contains("waiting 1 s as its Retry-After asks")), events.toString());
    }

    @Test
    void retryAfterBeyondTheCapGivesUpAtOnceSayingWhen() {
        server.refusals.put(sha256(weights), FakeHub.queue(new FakeHub.Refusal(503, "3600")));

        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));

        assertEquals(HubException.Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("HTTP 503 (service unavailable)") && e.getMessage().contains("3600 s")
                && e.getMessage().contains("until ") && e.getMessage().contains("run again then"), e.getMessage());
        assertFalse(e.getMessage().contains("connection lost") || e.getMessage().contains("is kept"), e.getMessage());
        assertEquals(1, server.requests("cdn", "GET").stream().filter(r -> r.path().startsWith("/blob/")).count());
    }

    @Test
    void retryAfterTakesSecondsOrAnHttpDate() {
        java.time.Instant now = java.time.Instant.parse("2015-10-21T07:27:30Z");
        assertEquals(Duration.ofSeconds(120), HubClient.retryAfter(" 120 ", now));
        assertEquals(Duration.ofSeconds(30), HubClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now));
        assertEquals(Duration.ZERO, HubClient.retryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), "a past date");
        assertNull(HubClient.retryAfter("-5", now));
        assertNull(HubClient.retryAfter("soon", now));
        assertNull(HubClient.retryAfter(null, now));
        assertTrue(HubClient.retryAfter("99999999999999999999", now).compareTo(HubClient.MAX_RETRY_AFTER) > 0);
    }

    @Test
    void headRetriesAHubThatFailsForAWhile() throws IOException {
        server.headRefusals.put("config.json", FakeHub.queue(new FakeHub.Refusal(503, null),
                new FakeHub.Refusal(0, null), new FakeHub.Refusal(429, "1")));

        Path snap = client(env()).download("org/tiny", null);

        assertBytes("weights", weights, snap.resolve("model.safetensors"));
        List<FakeHub.Request> heads = server.requests("hub", "HEAD").stream()
                .filter(r -> r.path().endsWith("/config.json")).toList();
        assertEquals(4, heads.size(), heads.toString());
        assertTrue((heads.get(3).nanos() - heads.get(2).nanos()) / 1_000_000 >= 950, "Retry-After: 1 waited out");
        assertTrue(events.stream().noneMatch(x -> x.startsWith("notice")), events.toString());
    }

    /** Rate limited or failing for good: a complete cached snapshot of the revision answers, said in one line. */
    @Test
    void hubThatKeepsFailingFallsBackToACachedSnapshotSayingSo() throws IOException {
        Path online = client(env()).download("org/tiny", null);
        FakeHub.Refusal[] failing = new FakeHub.Refusal[10];
        Arrays.fill(failing, new FakeHub.Refusal(503, null));
        server.headRefusals.put("config.json", FakeHub.queue(failing));
        server.log.clear();
        events.clear();

        assertEquals(online, client(env()).download("org/tiny", null));

        assertEquals(4, server.requests("hub", "HEAD").size(), "1 + 3 retries");
        assertEquals(List.of("notice hub " + server.endpoint() + " answered HTTP 503 (service unavailable); using the"
                + " cached snapshot " + COMMIT + " of org/tiny"), events);

        // Asked to wait longer than nci waits: the cache answers at once.
        server.headRefusals.put("config.json", FakeHub.queue(new FakeHub.Refusal(429, "3600")));
        server.log.clear();
        events.clear();
        assertEquals(online, client(env()).download("org/tiny", null));
        assertEquals(1, server.requests("hub", "HEAD").size());
        assertEquals(List.of("notice hub " + server.endpoint() + " answered rate limited (HTTP 429); using the"
                + " cached snapshot " + COMMIT + " of org/tiny"), events);
    }

    @Test
    void rateLimitWithNothingCachedIsCalledSo() {
        FakeHub.Refusal[] limited = new FakeHub.Refusal[10];
        Arrays.fill(limited, new FakeHub.Refusal(429, "0"));
        server.headRefusals.put("config.json", FakeHub.queue(limited));

        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/tiny", null));

        assertEquals(HubException.Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("rate limited (HTTP 429)") && e.getMessage().contains("4 attempts")
                && e.getMessage().contains("config.json"), e.getMessage());
        assertFalse(e.getMessage().contains("unexpected"), e.getMessage());
    }

    /** The CDN refusing its signed URL is no gated repository: no token goes there, and the hub can sign anew. */
    @Test
    void refusedSignedUrlIsNamedAndAskedOfTheHubAgain() throws IOException {
        server.cdnRefusals.put("signed", 1);

        Path snap = client(env()).download("org/tiny", null);

        assertBytes("weights", weights, snap.resolve("model.safetensors"));
        List<FakeHub.Request> signedGets = server.requests("cdn", "GET").stream()
                .filter(r -> r.path().startsWith("/cdn/")).toList();
        assertEquals(2, signedGets.size(), signedGets.toString());
        assertFalse(signedGets.get(0).query().equals(signedGets.get(1).query()), "a fresh signature, not the old URL");
        assertEquals(2, server.requests("hub", "HEAD").stream().filter(r -> r.path().endsWith("/model.safetensors"))
                .count(), "the hub was asked again");
        String cdnHost = server.cdnOrigin().substring("http://".length());
        assertTrue(events.stream().anyMatch(x -> x.startsWith("retrying model.safetensors at 0 #1 the signed download"
                + " URL was refused (HTTP 403) by " + cdnHost)), events.toString());
    }

    @Test
    void signedUrlRefusedForGoodNamesTheHostNotTheToken() {
        server.cdnRefusals.put("signed", 100);
        Map<String, String> env = env();
        env.put("HF_TOKEN", TOKEN);

        HubException e = assertThrows(HubException.class, () -> client(env).download("org/tiny", null));

        String m = e.getMessage();
        assertTrue(m.contains("signed download URL was refused (HTTP 403) by "
                + server.cdnOrigin().substring("http://".length())) && m.contains("4 attempts"), m);
        assertFalse(m.contains("gated") || m.contains("HF_TOKEN") || m.contains(FakeHub.SIGNATURE) || m.contains(TOKEN), m);
        assertEquals(4, server.requests("cdn", "GET").stream().filter(r -> r.path().startsWith("/cdn/")).count());
    }

    // ------------------------------------------------------------------ offline

    @Test
    void offlineModeAnswersFromAFilledCacheWithoutNetwork() throws IOException {
        Path online = client(env()).download("org/tiny", null);
        int before = server.log.size();
        Map<String, String> env = env();
        env.put("HF_HUB_OFFLINE", "1");

        Path offline = client(env).download("org/tiny", null);

        assertEquals(online, offline);
        assertEquals(before, server.log.size(), "offline mode made requests");
        assertEquals(online, client(env).resolveCached("org/tiny", COMMIT), "a commit hash needs no ref");
    }

    @Test
    void unreachableHubFallsBackToTheCache() throws IOException {
        Path online = client(env()).download("org/tiny", null);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> env = env();
        env.put("HF_ENDPOINT", "http://127.0.0.1:" + port);
        events.clear();
        assertEquals(online, client(env).download("org/tiny", null));
        List<String> notices = events.stream().filter(x -> x.startsWith("notice ")).toList();
        assertEquals(1, notices.size(), events.toString());
        assertTrue(notices.get(0).startsWith("notice hub http://127.0.0.1:" + port + " unreachable (")
                && notices.get(0).endsWith("); using the cached snapshot " + COMMIT + " of org/tiny"), notices.get(0));

        HubException e = assertThrows(HubException.class, () -> client(env).download("org/other", null));
        assertEquals(HubException.Kind.NOT_IN_CACHE, e.kind());
        assertTrue(e.getMessage().contains("cannot reach") && e.getMessage().contains("refs/main"), e.getMessage());
    }

    @Test
    void offlineWithAMissingFileNamesIt() throws IOException {
        Path snap = client(env()).download("org/tiny", null);
        Files.delete(snap.resolve("vocab.json"));
        Files.delete(repoDir("models--org--tiny").resolve("blobs")
                .resolve(server.repos.get("org/tiny").files.get("merges.txt").etag())); // dangling link
        Map<String, String> env = env();
        env.put("HF_HUB_OFFLINE", "true");

        HubException e = assertThrows(HubException.class, () -> client(env).download("org/tiny", null));

        assertEquals(HubException.Kind.NOT_IN_CACHE, e.kind());
        assertTrue(e.getMessage().contains("lacks vocab.json, merges.txt") && e.getMessage().contains("HF_HUB_OFFLINE"),
                e.getMessage());
    }

    @Test
    void offlineWithEmptyCacheSaysWhatWasLookedFor() {
        Map<String, String> env = env();
        env.put("HF_HUB_OFFLINE", "1");
        HubException e = assertThrows(HubException.class, () -> client(env).download("gpt2", "main"));
        assertEquals(HubException.Kind.NOT_IN_CACHE, e.kind());
        assertTrue(e.getMessage().contains("models--gpt2") && e.getMessage().contains("refs")
                && e.getMessage().contains("'main'"), e.getMessage());
        assertTrue(server.log.isEmpty());
    }

    @Test
    void resolveUrlEncodesRevisionAndKeepsFileSlashes() {
        HubClient c = client(env());
        assertEquals(server.endpoint() + "/org/tiny/resolve/refs%2Fpr%2F1/sub/a%20b.json",
                c.resolveUrl(new RepoId("org/tiny"), "refs/pr/1", "sub/a b.json").toString());
    }

    @Test
    void tokenOriginRuleComparesSchemeHostAndPort() {
        Map<String, String> env = env();
        env.put("HF_TOKEN", TOKEN);
        HubClient c = client(env);
        assertTrue(c.sendsTokenTo(java.net.URI.create(server.endpoint() + "/x")));
        assertFalse(c.sendsTokenTo(java.net.URI.create(server.cdnOrigin() + "/x")), "other port");
        assertFalse(c.sendsTokenTo(java.net.URI.create("http://localhost:" + server.hub.getAddress().getPort())),
                "other host name");
        assertFalse(c.sendsTokenTo(java.net.URI.create(server.endpoint().replace("http:", "https:"))),
                "other scheme");
        assertFalse(client(env()).sendsTokenTo(java.net.URI.create(server.endpoint())), "no token, nothing sent");
    }

    @Test
    void messagesShowUrlsWithoutTheirSignedQuery() {
        assertEquals("https://cdn.example/abc?...", HubClient.shown(java.net.URI.create(
                "https://cdn.example/abc?X-Amz-Signature=" + FakeHub.SIGNATURE)));
        assertEquals("http://127.0.0.1:1/a/resolve/main/b", HubClient.shown(java.net.URI.create(
                "http://127.0.0.1:1/a/resolve/main/b")));
    }

    @Test
    void endpointUserInfoIsNeverShown() throws IOException {
        Map<String, String> env = env();
        env.put("HF_ENDPOINT", server.endpoint().replace("http://", "http://user:pa55word@"));
        assertEquals("https://cdn.example:8443/abc?...", HubClient.shown(java.net.URI.create(
                "https://user:pa55word@cdn.example:8443/abc?X-Amz-Signature=" + FakeHub.SIGNATURE)));

        HubException e = assertThrows(HubException.class, () -> client(env).download("org/nope", null));

        assertTrue(e.getMessage().contains("not found on " + server.endpoint()), e.getMessage());
        assertFalse(e.getMessage().contains("pa55word"), e.getMessage());
        assertFalse(client(env).settings().toString().contains("pa55word"), client(env).settings().toString());

        Path snap = client(env).download("org/tiny", null); // the URL still works as given
        server.headRefusals.put("config.json", FakeHub.queue(new FakeHub.Refusal(503, "3600")));
        events.clear();
        assertEquals(snap, client(env).download("org/tiny", null));
        assertTrue(events.size() == 1 && events.get(0).startsWith("notice hub " + server.endpoint() + " answered"),
                events.toString());
    }

    /** What a server says is shown with its control characters escaped: an ESC could rewrite the terminal. */
    @Test
    void serverTextReachesMessagesWithoutControlCharacters() {
        server.repoNotFoundMessage = "Repository \u009b2J not found"; // C1 CSI: the JDK lets it through
        HubException c1 = assertThrows(HubException.class, () -> client(env()).download("org/nope", null));
        assertTrue(c1.getMessage().contains("Hub says: Repository \\u009B2J not found"), c1.getMessage());
        assertNoControlCharacters(c1);

        server.repoNotFoundMessage = "Repository \u001b[2J\u0000 not found"; // the JDK refuses it, quoting it
        HubException esc = assertThrows(HubException.class, () -> client(env()).download("org/nope", null));
        assertTrue(esc.getMessage().contains("\\u001B[2J\\u0000"), esc.getMessage());
        assertNoControlCharacters(esc);
    }

    @Test
    void shardNameWithAControlCharacterIsRefusedAndShownEscaped() {
        server.repo("org/sharded", COMMIT2).small("config.json", "{}")
                .small("model.safetensors.index.json", "{\"weight_map\": {\"w\\u0007\": \"model-\\u001b[2J.safetensors\"}}")
                .small("vocab.json", "{}").small("merges.txt", "");

        HubException e = assertThrows(HubException.class, () -> client(env()).download("org/sharded", null));

        assertEquals(HubException.Kind.PROTOCOL, e.kind());
        assertTrue(e.getMessage().contains("weight_map['w\\u0007'] = 'model-\\u001B[2J.safetensors'")
                && e.getMessage().contains("control character U+001B at index 6"), e.getMessage());
        assertNoControlCharacters(e);
        assertTrue(server.requests("hub", "HEAD").stream().noneMatch(r -> r.path().contains("%1B")), "never requested");
    }

    static void assertNoControlCharacters(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            assertTrue(m.chars().noneMatch(Character::isISOControl), "raw control character in: " + m);
        }
    }

    @Test
    void shardIndexWithUnsafeNameIsRejected() throws IOException {
        Path index = home.resolve("index.json");
        Files.writeString(index, "{\"weight_map\": {\"w\": \"../../evil\"}}");
        HubException e = assertThrows(HubException.class, () -> HubClient.shardNames(index));
        assertEquals(HubException.Kind.PROTOCOL, e.kind());
        assertTrue(e.getMessage().contains("../../evil") && e.getMessage().contains("weight_map['w']"),
                e.getMessage());
    }
}
