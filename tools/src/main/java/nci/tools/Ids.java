package nci.tools;

import java.util.List;
import nci.tools.study.Strings;

/** Parsing of comma-separated token ids (and other non-negative numbers) from the command line. */
final class Ids {
    private Ids() {}

    /**
     * {@code 15496,995} or {@code [15496, 995]}: items trimmed; an empty item (as in {@code 1,,2} or a trailing
     * {@code 1,}) is an error, and so is anything but ASCII digits ({@code +5}, {@code -1}, {@code ٣}, {@code １}).
     */
    static int[] parse(String csv, String option) {
        String s = csv.trim();
        if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
        if (s.isBlank()) throw new IllegalArgumentException(option + ": no token ids given");
        List<String> parts = Strings.splitTrimmed(s, option);
        int[] ids = new int[parts.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = number(parts.get(i), i, option, "a token id");
        return ids;
    }

    /**
     * Item {@code item} of {@code option}'s list as a non-negative int: ASCII digits only (Integer.parseInt would
     * also take a sign and any Unicode digits); the error names the item and says it is not {@code what}.
     */
    static int number(String piece, int item, String option, String what) {
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            if (c < '0' || c > '9')
                throw new IllegalArgumentException(option + ": '" + piece + "' (item " + item + ") is not " + what + " (expected digits 0-9)");
        }
        if (piece.isEmpty()) throw new IllegalArgumentException(option + ": item " + item + " is empty");
        try {
            return Integer.parseInt(piece);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + piece + "' (item " + item + ") is too large for " + what);
        }
    }
}
