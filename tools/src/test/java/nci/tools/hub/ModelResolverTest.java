package nci.tools.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class ModelResolverTest {

    static final String COMMIT = HubClientTest.COMMIT;

    @TempDir
    Path home;
    @TempDir
    Path work;

    FakeHub server;

    @BeforeEach
    void start() throws IOException {
        server = new FakeHub();
        for (String id : new String[]{"org/tiny", "gpt2"}) {
            server.repo(id, COMMIT).small("config.json", "{}").lfs("model.safetensors", HubClientTest.randomBytes(
                    2000, 7)).small("vocab.json", "{}").small("merges.txt", "#version: 0.2\n");
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    ModelResolver resolver(boolean offline) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", server.endpoint());
        env.put("HF_HOME", home.toString());
        if (offline) {
            env.put("HF_HUB_OFFLINE", "1");
        }
        HubSettings s = HubSettings.fromEnvironment(env).withRetries(1, Duration.ZERO);
        return new ModelResolver(new HubClient(s, ProgressListener.silent()), work);
    }

    Path snapshot(String folder) {
        return home.resolve("hub").resolve(folder).resolve("snapshots").resolve(COMMIT);
    }

    @Test
    void modelFolderIsUsedAsIsAbsoluteOrRelative() throws IOException {
        Path model = Files.createDirectories(work.resolve("models/tiny-a"));
        Files.writeString(model.resolve("config.json"), "{}");
        assertEquals(model, resolver(true).resolve(model.toString(), false));
        assertEquals(model, resolver(true).resolve("models/tiny-a", false));
        assertEquals(model, resolver(true).resolve("./models/../models/tiny-a/", false));
        assertTrue(server.log.isEmpty(), "a folder needs no network");
    }

    @Test
    void hubNameDownloadsThenSnapshotAndRepoFoldersResolve() throws IOException {
        Path snap = resolver(false).resolve("org/tiny", true);
        assertEquals(snapshot("models--org--tiny"), snap);
        assertEquals(snap, resolver(true).resolve(snap.toString(), false), "a snapshot folder is a model folder");
        assertEquals(snap, resolver(true).resolve(home.resolve("hub/models--org--tiny").toString(), false),
                "a repo folder resolves through refs/main");
        assertEquals(snap, resolver(true).resolve("org/tiny", false), "cache only");
        assertEquals(snap, resolver(true).resolve("org/tiny", true), "offline falls back to the cache");
        assertEquals(snap, resolver(true).resolve("org/tiny@" + COMMIT, false), "name@commit");
    }

    @Test
    void repoFolderWithoutRefsMainSaysSo() throws IOException {
        Path repoDir = Files.createDirectories(work.resolve("models--x/snapshots/abc"));
        HubException e = assertThrows(HubException.class,
                () -> resolver(true).resolve(repoDir.getParent().getParent().toString(), false));
        assertEquals(HubException.Kind.BAD_SPEC, e.kind());
        assertTrue(e.getMessage().contains("has no refs/main"), e.getMessage());
    }

    @Test
    void folderWithoutConfigDoesNotShadowAHubName() throws IOException {
        Files.createDirectories(work.resolve("gpt2/src")); // like the gpt2/ source module beside ./nci
        HubException e = assertThrows(HubException.class, () -> resolver(true).resolve("gpt2", false));
        assertEquals(HubException.Kind.NOT_IN_CACHE, e.kind());
        assertTrue(e.getMessage().contains(work.resolve("gpt2") + " has no config.json")
                && e.getMessage().contains("downloads not allowed") && e.getMessage().contains("models--gpt2"),
                e.getMessage());

        assertEquals(snapshot("models--gpt2"), resolver(false).resolve("gpt2", true));
    }

    @Test
    void nothingFitsListsWhatWasTried() {
        HubException e = assertThrows(HubException.class, () -> resolver(true).resolve("./no/such/dir", true));
        assertEquals(HubException.Kind.BAD_SPEC, e.kind());
        assertTrue(e.getMessage().contains("no folder " + work.resolve("no/such/dir"))
                && e.getMessage().contains("not a hub name"), e.getMessage());

        HubException offline = assertThrows(HubException.class, () -> resolver(true).resolve("org/tiny", true));
        assertTrue(offline.getMessage().contains("no folder") && offline.getMessage().contains("HF_HUB_OFFLINE"),
                offline.getMessage());

        HubException blank = assertThrows(HubException.class, () -> resolver(true).resolve(" ", true));
        assertEquals(HubException.Kind.BAD_SPEC, blank.kind());
    }

    @Test
    void unknownHubRepoIsNamed() {
        HubException e = assertThrows(HubException.class, () -> resolver(false).resolve("org/missing", true));
        assertEquals(HubException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("repository 'org/missing' not found")
                && e.getMessage().contains("no folder"), e.getMessage());
    }
}
