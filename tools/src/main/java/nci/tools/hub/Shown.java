package nci.tools.hub;

import java.net.URI;
import java.util.Locale;

/**
 * How URLs and text from elsewhere (a server's headers, a weight index, a cache file) appear in messages: a URL
 * without its user info ({@code HF_ENDPOINT=https://user:password@mirror}) or its query (a CDN's signature), text
 * without control characters that would move a terminal's cursor, clear it or hide what follows.
 */
final class Shown {

    private Shown() {
    }

    /** {@code scheme://host[:port]/path}, then {@code ?...} when there is a query. */
    static String url(URI u) {
        String authority;
        if (u.getHost() != null) {
            authority = u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
        } else {
            String raw = u.getRawAuthority() == null ? "" : u.getRawAuthority();
            authority = raw.substring(raw.lastIndexOf('@') + 1);
        }
        return text(u.getScheme() + "://" + authority + (u.getRawPath() == null ? "" : u.getRawPath())
                + (u.getRawQuery() == null ? "" : "?..."));
    }

    /**
     * {@code s} on one line: line breaks and tabs become spaces, other control characters (C0 such as ESC and NUL,
     * DEL, C1) and invisible format characters (bidi overrides, zero-width ones) become a backslash-u escape
     * of four hex digits.
     */
    static String text(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n' || c == '\r' || c == '\t') {
                sb.append(' ');
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                sb.append(String.format(Locale.ROOT, "\\u%04X", c));
            } else {
                sb.appendCodePoint(c);
            }
        }
        return sb.toString();
    }

    /** The first control or format character of {@code s} as "U+XXXX at index N", or null when there is none. */
    static String firstControl(String s) {
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                return String.format(Locale.ROOT, "U+%04X at index %d", c, i);
            }
            i += Character.charCount(c);
        }
        return null;
    }
}
