package nci.tools.study;

import java.util.List;

/**
 * CSV in RFC 4180 form: comma-separated, CRLF-free ({@code \n}) line ends, a field quoted with {@code "} when it
 * holds a comma, a quote (doubled inside), a line break, or leading/trailing whitespace (GPT-2 tokens such as
 * {@code " mat"} start with a space, and some readers trim unquoted fields).
 */
public final class Csv {
    private Csv() {}

    public static String field(String s) {
        if (s == null) return "";
        boolean quote = s.isEmpty() ? false
                : s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0
                || Character.isWhitespace(s.charAt(0)) || Character.isWhitespace(s.charAt(s.length() - 1));
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    public static void row(StringBuilder sb, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(field(fields.get(i)));
        }
        sb.append('\n');
    }

    /** A number in the shortest form that reads back to the same double. */
    public static String number(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }
}
