package nci.tools.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where the hub is, where the cache lives, and how patient to be; read from the same environment variables as
 * {@code huggingface_hub}, so nci and Python tools share one cache and one login.
 *
 * <table>
 *   <caption>Environment</caption>
 *   <tr><th>variable</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>HF_ENDPOINT</td><td>hub base URL</td><td>https://huggingface.co</td></tr>
 *   <tr><td>HF_HOME</td><td>root of all HF state</td><td>$XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface</td></tr>
 *   <tr><td>HF_HUB_CACHE</td><td>the hub cache (HUGGINGFACE_HUB_CACHE is the legacy name)</td><td>$HF_HOME/hub</td></tr>
 *   <tr><td>HF_TOKEN</td><td>access token (HUGGING_FACE_HUB_TOKEN legacy), else the file $HF_TOKEN_PATH or
 *       $HF_HOME/token that {@code huggingface-cli login} writes</td><td>none</td></tr>
 *   <tr><td>HF_HUB_OFFLINE</td><td>1/ON/YES/TRUE: never touch the network (TRANSFORMERS_OFFLINE too)</td><td>off</td></tr>
 *   <tr><td>HF_HUB_ETAG_TIMEOUT</td><td>seconds to wait for a metadata (HEAD) answer</td><td>10</td></tr>
 *   <tr><td>HF_HUB_DOWNLOAD_TIMEOUT</td><td>seconds a download may stall before it is retried</td><td>10</td></tr>
 * </table>
 *
 * <p>{@link #toString()} never shows the token, nor a user:password in the endpoint.
 *
 * @param endpoint        hub base URL without trailing slash
 * @param hubCache        the hub cache folder (holds {@code models--ORG--NAME/})
 * @param token           bearer token, or null for anonymous access
 * @param offline         resolve from the cache only
 * @param connectTimeout  TCP/TLS connect timeout
 * @param metadataTimeout time to wait for the answer to a HEAD request
 * @param stallTimeout    a download receiving no byte for this long is dropped and resumed
 * @param maxRetries      consecutive failed attempts (without progress) tolerated per file
 * @param retryBackoff    pause before the first retry; doubled per further consecutive failure
 */
public record HubSettings(URI endpoint, Path hubCache, String token, boolean offline, Duration connectTimeout,
                          Duration metadataTimeout, Duration stallTimeout, int maxRetries, Duration retryBackoff) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(hubCache, "hubCache");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
            throw new IllegalArgumentException("HF_ENDPOINT '" + Shown.url(endpoint) + "' is not an http(s) URL with a"
                    + " host");
        }
        String s = endpoint.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        endpoint = URI.create(s);
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (token != null) {
            checkToken(token, "the token");
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(metadataTimeout, "metadataTimeout");
        requirePositive(stallTimeout, "stallTimeout");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        if (retryBackoff.isNegative()) {
            throw new IllegalArgumentException("retryBackoff must be >= 0, got " + retryBackoff);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
        }
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    /** Settings from the process environment. */
    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * Settings from the given environment (tests pass their own map). Relative and {@code ~} paths are expanded
     * against {@code user.home}.
     *
     * @throws IllegalArgumentException naming the variable when a value is malformed
     */
    public static HubSettings fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String endpointText = nonEmpty(env.get("HF_ENDPOINT"));
        URI endpoint;
        try {
            endpoint = new URI(endpointText == null ? DEFAULT_ENDPOINT : endpointText.strip());
        } catch (URISyntaxException e) {
            // Not the text itself: it may hold user:password.
            throw new IllegalArgumentException("HF_ENDPOINT is not a URL: " + e.getReason() + " at index " + e.getIndex());
        }
        Path hfHome = hfHome(env);
        String cacheText = nonEmpty(env.get("HF_HUB_CACHE"));
        if (cacheText == null) {
            cacheText = nonEmpty(env.get("HUGGINGFACE_HUB_CACHE"));
        }
        Path hubCache = (cacheText == null ? hfHome.resolve("hub") : expandUser(cacheText)).toAbsolutePath();
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE")) || isTrue(env.get("TRANSFORMERS_OFFLINE"));
        Duration etagTimeout = seconds(env, "HF_HUB_ETAG_TIMEOUT", 10);
        Duration downloadTimeout = seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT", 10);
        return new HubSettings(endpoint, hubCache, token(env, hfHome), offline, Duration.ofSeconds(10), etagTimeout,
                downloadTimeout, 5, Duration.ofSeconds(1));
    }

    /** {@code $HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}. */
    static Path hfHome(Map<String, String> env) {
        String home = nonEmpty(env.get("HF_HOME"));
        if (home != null) {
            return expandUser(home).toAbsolutePath();
        }
        return cacheBase(env).resolve("huggingface").toAbsolutePath();
    }

    /** {@code $XDG_CACHE_HOME}, else {@code ~/.cache}: where per-user caches live. */
    public static Path cacheBase(Map<String, String> env) {
        String xdg = nonEmpty(env.get("XDG_CACHE_HOME"));
        return xdg != null ? expandUser(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    }

    private static String token(Map<String, String> env, Path hfHome) {
        for (String name : new String[] {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
            String t = nonEmpty(env.get(name));
            if (t != null) {
                return checkToken(t.strip(), name);
            }
        }
        String pathText = nonEmpty(env.get("HF_TOKEN_PATH"));
        Path file = pathText != null ? expandUser(pathText).toAbsolutePath() : hfHome.resolve("token");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        String t;
        try {
            t = nonEmpty(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            // The path is not secret; the content is never shown.
            throw new UncheckedIOException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
        return t == null ? null : checkToken(t, "the token file " + file + (pathText != null ? " (HF_TOKEN_PATH)" : ""));
    }

    /**
     * A token goes into an {@code Authorization: Bearer} header, so it must be printable ASCII without spaces. The
     * JDK's own refusal quotes the whole header, token included, so it is checked here first and the message names
     * only where the token came from and the offending character.
     *
     * @param source what held the token (HF_TOKEN, the token file's path): never the token
     */
    static String checkToken(String token, String source) {
        for (int i = 0; i < token.length(); ) {
            int c = token.codePointAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s holds a character an HTTP header"
                        + " cannot carry: U+%04X at index %d (a token is printable ASCII without spaces); fix or"
                        + " remove it", source, c, i));
            }
            i += Character.charCount(c);
        }
        return token;
    }

    private static Duration seconds(Map<String, String> env, String name, long dflt) {
        String v = nonEmpty(env.get(name));
        if (v == null) {
            return Duration.ofSeconds(dflt);
        }
        try {
            double s = Double.parseDouble(v.strip());
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "='" + v + "' is not a positive number of seconds", e);
        }
    }

    /** huggingface_hub's truth test: 1, ON, YES, TRUE in any case. */
    static boolean isTrue(String v) {
        if (v == null) {
            return false;
        }
        String u = v.strip().toUpperCase(Locale.ROOT);
        return u.equals("1") || u.equals("ON") || u.equals("YES") || u.equals("TRUE");
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Expands a leading {@code ~} to {@code user.home}; other paths are returned as given. */
    public static Path expandUser(String p) {
        if (p.equals("~")) {
            return Path.of(System.getProperty("user.home"));
        }
        if (p.startsWith("~/")) {
            return Path.of(System.getProperty("user.home"), p.substring(2));
        }
        return Path.of(p);
    }

    public boolean hasToken() {
        return token != null;
    }

    public HubSettings withOffline(boolean value) {
        return new HubSettings(endpoint, hubCache, token, value, connectTimeout, metadataTimeout, stallTimeout,
                maxRetries, retryBackoff);
    }

    public HubSettings withRetries(int retries, Duration backoff) {
        return new HubSettings(endpoint, hubCache, token, offline, connectTimeout, metadataTimeout, stallTimeout,
                retries, backoff);
    }

    public HubSettings withStallTimeout(Duration value) {
        return new HubSettings(endpoint, hubCache, token, offline, connectTimeout, metadataTimeout, value,
                maxRetries, retryBackoff);
    }

    /** Shows everything but the token, which appears only as set / not set. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + Shown.url(endpoint) + ", hubCache=" + hubCache + ", token="
                + (token == null ? "none" : "<set>") + ", offline=" + offline + ", connectTimeout=" + connectTimeout
                + ", metadataTimeout=" + metadataTimeout + ", stallTimeout=" + stallTimeout + ", maxRetries="
                + maxRetries + ", retryBackoff=" + retryBackoff + "]";
    }
}
