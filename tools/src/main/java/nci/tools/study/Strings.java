package nci.tools.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Small text helpers for terminal output and parsing command-line lists. */
public final class Strings {
    private Strings() {}

    /** JSON-style quoting, so that leading spaces of GPT-2 tokens stay visible: {@code " mat"}. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> { if (c < 0x20) sb.append(String.format("\\u%04x", (int) c)); else sb.append(c); }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * Splits on commas only; every piece is kept verbatim (no trimming: {@code " John, Mary"} gives
     * {@code " John"} and {@code " Mary"}). Empty pieces are an error naming {@code option}.
     */
    public static List<String> splitVerbatim(String csv, String option) {
        if (csv == null || csv.isEmpty()) throw new IllegalArgumentException(option + ": empty list");
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int at = csv.indexOf(',', from);
            String piece = at < 0 ? csv.substring(from) : csv.substring(from, at);
            if (piece.isEmpty())
                throw new IllegalArgumentException(option + ": item " + out.size() + " is empty (in " + quote(csv) + ")");
            out.add(piece);
            if (at < 0) return out;
            from = at + 1;
        }
    }

    /** Comma-separated items, each trimmed (node names, positions). */
    public static List<String> splitTrimmed(String csv, String option) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",", -1)) {
            String t = s.trim();
            if (t.isEmpty()) throw new IllegalArgumentException(option + ": item " + out.size() + " is empty (in " + quote(csv) + ")");
            out.add(t);
        }
        return out;
    }

    /** A probability for the terminal: fixed 4 decimals, scientific below 1e-4. */
    public static String prob(double p) {
        return p != 0 && Math.abs(p) < 1e-4 ? String.format(Locale.ROOT, "%.2e", p) : String.format(Locale.ROOT, "%.4f", p);
    }

    public static String signed(double v) {
        return v != 0 && Math.abs(v) < 1e-4 ? String.format(Locale.ROOT, "%+.2e", v) : String.format(Locale.ROOT, "%+.4f", v);
    }
}
