package nci.tools.report;

/**
 * String helpers shared by the SVG, PNG and HTML writers: XML/HTML escaping and the visible form of token labels.
 *
 * <p>Escaping also removes what XML 1.0 cannot carry at all (control characters other than tab/newline/return,
 * lone surrogates, U+FFFE/U+FFFF): they become U+FFFD, so every document we write stays well-formed whatever
 * the tokenizer produced.
 */
final class Text {
    private Text() {}

    /** U+2423 OPEN BOX, the conventional visible space. */
    static final char VISIBLE_SPACE = '\u2423';

    /**
     * Escapes {@code s} for XML/HTML text and attribute values (both quote kinds are escaped).
     * Only the five predefined entities and numeric references are used, so the result is valid in both.
     */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        appendEscaped(b, s);
        return b.toString();
    }

    static void appendEscaped(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(i + 1));
                        i++;
                    } else if (Character.isSurrogate(c) || c == '\uFFFE' || c == '\uFFFF'
                            || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }

    /**
     * The visible form of a token or axis label: leading and trailing spaces become '␣' (so " cat" reads
     * "␣cat" and is distinguishable from "cat"), newline/tab/carriage return become '↵'/'→'/'␍', other control
     * characters become their Unicode control picture. Inner spaces are kept, so "layer 3" stays readable.
     */
    static String visible(String label) {
        int n = label.length();
        int start = 0;
        while (start < n && label.charAt(start) == ' ') start++;
        int end = n;
        while (end > start && label.charAt(end - 1) == ' ') end--;
        StringBuilder b = new StringBuilder(n);
        b.repeat(VISIBLE_SPACE, start);
        for (int i = start; i < end; i++) {
            char c = label.charAt(i);
            if (c == '\n') b.append('\u21B5');
            else if (c == '\t') b.append('\u2192');
            else if (c == '\r') b.append('\u240D');
            else if (c < 0x20) b.append((char) (0x2400 + c));   // U+2400.. control pictures
            else if (c == 0x7F) b.append('\u2421');
            else b.append(c);
        }
        b.repeat(VISIBLE_SPACE, n - end);
        return b.toString();
    }

    /** Shortens {@code s} to at most {@code max} code points, marking the cut with '…'. */
    static String truncate(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) return s;
        int cut = s.offsetByCodePoints(0, Math.max(0, max - 1));
        return s.substring(0, cut) + '\u2026';
    }

    /** Length in code points: the layout unit for our monospace text. */
    static int columns(String s) {
        return s.codePointCount(0, s.length());
    }
}
