package nci.tools.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubSettingsTest {

    @TempDir
    Path tmp;

    Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("XDG_CACHE_HOME", tmp.resolve("xdg").toString()); // keeps the real ~/.cache out of every test
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void defaultsFollowHuggingfaceHub() {
        HubSettings s = HubSettings.fromEnvironment(env());
        assertEquals(URI.create("https://huggingface.co"), s.endpoint());
        assertEquals(tmp.resolve("xdg/huggingface/hub"), s.hubCache());
        assertNull(s.token());
        assertFalse(s.offline());
        assertEquals(Duration.ofSeconds(10), s.connectTimeout());
        assertEquals(Duration.ofSeconds(10), s.metadataTimeout());
        assertEquals(Duration.ofSeconds(10), s.stallTimeout());
    }

    @Test
    void cacheLocationPrecedence() {
        assertEquals(tmp.resolve("home/hub"), HubSettings.fromEnvironment(env("HF_HOME", tmp + "/home")).hubCache());
        assertEquals(tmp.resolve("legacy"), HubSettings.fromEnvironment(env("HF_HOME", tmp + "/home",
                "HUGGINGFACE_HUB_CACHE", tmp + "/legacy")).hubCache());
        assertEquals(tmp.resolve("c"), HubSettings.fromEnvironment(env("HF_HOME", tmp + "/home",
                "HUGGINGFACE_HUB_CACHE", tmp + "/legacy", "HF_HUB_CACHE", tmp + "/c")).hubCache());
        assertEquals(Path.of(System.getProperty("user.home"), "hfh", "hub"),
                HubSettings.fromEnvironment(env("HF_HOME", "~/hfh")).hubCache());
    }

    @Test
    void offlineAcceptsTheSameTruthyValues() {
        for (String v : new String[]{"1", "ON", "yes", "True", " true "}) {
            assertTrue(HubSettings.fromEnvironment(env("HF_HUB_OFFLINE", v)).offline(), v);
        }
        for (String v : new String[]{"0", "false", "", "off", "2"}) {
            assertFalse(HubSettings.fromEnvironment(env("HF_HUB_OFFLINE", v)).offline(), v);
        }
        assertTrue(HubSettings.fromEnvironment(env("TRANSFORMERS_OFFLINE", "1")).offline());
    }

    @Test
    void endpointIsNormalisedAndChecked() {
        assertEquals(URI.create("http://127.0.0.1:8080/mirror"),
                HubSettings.fromEnvironment(env("HF_ENDPOINT", "http://127.0.0.1:8080/mirror//")).endpoint());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HubSettings.fromEnvironment(env("HF_ENDPOINT", "ftp://x")));
        assertTrue(e.getMessage().contains("HF_ENDPOINT"), e.getMessage());
        // A user:password in the endpoint is never shown, not even when the URL is malformed.
        HubSettings withUser = HubSettings.fromEnvironment(env("HF_ENDPOINT", "https://user:pa55word@mirror.example"));
        assertTrue(withUser.toString().contains("endpoint=https://mirror.example,"), withUser.toString());
        for (String bad : new String[] {"https://user:pa55 word@mirror.example", "ftp://user:pa55word@mirror.example"}) {
            IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                    () -> HubSettings.fromEnvironment(env("HF_ENDPOINT", bad)));
            assertTrue(b.getMessage().contains("HF_ENDPOINT") && !b.getMessage().contains("pa55"), b.getMessage());
        }
    }

    @Test
    void timeoutsFromEnvironment() {
        HubSettings s = HubSettings.fromEnvironment(env("HF_HUB_ETAG_TIMEOUT", "2.5", "HF_HUB_DOWNLOAD_TIMEOUT", "30"));
        assertEquals(Duration.ofMillis(2500), s.metadataTimeout());
        assertEquals(Duration.ofSeconds(30), s.stallTimeout());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HubSettings.fromEnvironment(env("HF_HUB_DOWNLOAD_TIMEOUT", "-1")));
        assertTrue(e.getMessage().contains("HF_HUB_DOWNLOAD_TIMEOUT"), e.getMessage());
    }

    @Test
    void tokenPrecedenceAndRedaction() throws IOException {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("token"), "hf_fromLoginFile\n");
        Path other = tmp.resolve("other-token");
        Files.writeString(other, "hf_fromTokenPath");

        assertEquals("hf_fromLoginFile", HubSettings.fromEnvironment(env("HF_HOME", home.toString())).token());
        assertEquals("hf_fromTokenPath", HubSettings.fromEnvironment(env("HF_HOME", home.toString(),
                "HF_TOKEN_PATH", other.toString())).token());
        assertEquals("hf_legacy", HubSettings.fromEnvironment(env("HF_HOME", home.toString(),
                "HUGGING_FACE_HUB_TOKEN", "hf_legacy")).token());
        HubSettings s = HubSettings.fromEnvironment(env("HF_HOME", home.toString(), "HUGGING_FACE_HUB_TOKEN",
                "hf_legacy", "HF_TOKEN", " hf_env "));
        assertEquals("hf_env", s.token());
        assertTrue(s.toString().contains("token=<set>"), s.toString());
        assertFalse(s.toString().contains("hf_env"), s.toString());
        assertTrue(HubSettings.fromEnvironment(env()).toString().contains("token=none"));
    }

    /** The JDK refuses such a header quoting it whole ("invalid header value: Bearer ..."): refuse first, token unsaid. */
    @Test
    void tokenThatCannotBeAHeaderValueIsRefusedNamingItsSourceNotItsValue() throws IOException {
        String secret = "hf_SECRETpart";
        IllegalArgumentException env = assertThrows(IllegalArgumentException.class,
                () -> HubSettings.fromEnvironment(env("HF_TOKEN", secret + "\u0007tail")));
        assertTrue(env.getMessage().contains("HF_TOKEN") && env.getMessage().contains("U+0007")
                && env.getMessage().contains("index 13"), env.getMessage());
        assertFalse(env.getMessage().contains("SECRET") || env.getMessage().contains("tail"), env.getMessage());

        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("token"), secret + "\u001b[31m\n");
        IllegalArgumentException file = assertThrows(IllegalArgumentException.class,
                () -> HubSettings.fromEnvironment(env("HF_HOME", home.toString())));
        assertTrue(file.getMessage().contains("token file " + home.resolve("token"))
                && file.getMessage().contains("U+001B") && file.getMessage().contains("index 13"), file.getMessage());
        assertFalse(file.getMessage().contains("SECRET"), file.getMessage());

        for (String[] bad : new String[][] {{"hf_a b", "U+0020 at index 4"}, {"hf_\u00e9", "U+00E9 at index 3"},
                {"hf_\u0000x", "U+0000 at index 3"}, {"hf_\ud83d\ude00", "U+1F600 at index 3"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HubSettings.fromEnvironment(env("HUGGING_FACE_HUB_TOKEN", bad[0])));
            assertTrue(e.getMessage().contains("HUGGING_FACE_HUB_TOKEN") && e.getMessage().contains(bad[1]),
                    e.getMessage());
        }
        IllegalArgumentException direct = assertThrows(IllegalArgumentException.class, () -> new HubSettings(
                URI.create("https://huggingface.co"), tmp, "hf_a\tb", false, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 0, Duration.ZERO));
        assertTrue(direct.getMessage().contains("U+0009 at index 4"), direct.getMessage());
        assertEquals("hf_" + "A".repeat(37), HubSettings.fromEnvironment(env("HF_TOKEN", "hf_" + "A".repeat(37)))
                .token());
    }
}
