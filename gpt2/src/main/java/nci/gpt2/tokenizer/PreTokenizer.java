package nci.gpt2.tokenizer;

/**
 * GPT-2's pre-tokenisation, written as a scanner instead of a regex:
 * <pre>{@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}</pre>
 * with the semantics of Python's {@code regex} module as HuggingFace's slow {@code GPT2Tokenizer} uses it:
 * <ul>
 *   <li>{@code \s} is the Unicode White_Space property: U+0009..U+000D, U+0085 and the Zs/Zl/Zp characters
 *       (U+0020, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). Not U+001C..U+001F
 *       (which {@link Character#isWhitespace} would accept) and not U+200B/U+FEFF (format characters).</li>
 *   <li>{@code \p{L}} is general category L* (Lu, Ll, Lt, Lm, Lo), {@code \p{N}} is N* (Nd, Nl, No); combining
 *       marks (M*) are therefore "other" characters, so {@code "é"} written as e + U+0301 splits.</li>
 *   <li>The optional prefix is the ASCII space U+0020 only; the contractions are lower-case only.</li>
 *   <li>Classes are decided per code point, so a surrogate pair is one character; a lone surrogate is "other".</li>
 * </ul>
 * Java's {@link Character} tables follow the JDK's Unicode version (16.0 for JDK 25); code points assigned in a
 * later Unicode version are "other" here, which only matters for characters unassigned in Unicode 16.
 *
 * <p>Because the alternatives together accept every character, the matches tile the text: each piece starts where
 * the previous one ended, and {@link #next} just returns where the piece starting at {@code start} ends.
 */
final class PreTokenizer {
    private PreTokenizer() {}

    static final byte WHITESPACE = 0, LETTER = 1, NUMBER = 2, OTHER = 3;

    /** Classes of the ASCII characters, the common case. */
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            byte k;
            if (c == ' ' || (c >= 0x09 && c <= 0x0D)) k = WHITESPACE;
            else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) k = LETTER;
            else if (c >= '0' && c <= '9') k = NUMBER;
            else k = OTHER;
            ASCII[c] = k;
        }
    }

    /** The regex class of code point {@code cp}: {@link #WHITESPACE}, {@link #LETTER}, {@link #NUMBER} or {@link #OTHER}. */
    static byte classOf(int cp) {
        if (cp < 128) return ASCII[cp];
        if (cp == 0x85 || Character.isSpaceChar(cp)) return WHITESPACE;   // White_Space = Zs|Zl|Zp + 9..D + 85
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /**
     * End (exclusive, a char index) of the pre-token that starts at {@code start} in {@code text[start, end)};
     * {@code start < end} is required. The result is always greater than {@code start} and at most {@code end}.
     */
    static int next(CharSequence text, int start, int end) {
        char c = text.charAt(start);
        // 's|'t|'re|'ve|'m|'ll|'d : tried first, and only these exact lower-case spellings.
        if (c == '\'' && start + 1 < end) {
            char d = text.charAt(start + 1);
            if (d == 's' || d == 't' || d == 'm' || d == 'd') return start + 2;
            if (start + 2 < end) {
                char e = text.charAt(start + 2);
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return start + 3;
            }
        }
        int cp = codePointAt(text, start, end);
        byte k = classOf(cp);
        int after = start + Character.charCount(cp);
        // ' ?X+' for X in letters, numbers, others: a single ASCII space may lead a non-whitespace run.
        if (cp == ' ' && after < end) {
            byte k2 = classOf(codePointAt(text, after, end));
            if (k2 != WHITESPACE) return runEnd(text, after, end, k2);
        }
        if (k != WHITESPACE) return runEnd(text, start, end, k);
        // Whitespace. Every whitespace character is a single char (all are in the BMP).
        int j = after;
        while (j < end && classOf(text.charAt(j)) == WHITESPACE) j++;
        // '\s+(?!\S)': the whole run at the end of the text; else the run minus its last character, which then
        // leads the next piece. A single whitespace before non-whitespace falls to '\s+' and stands alone.
        if (j == end) return j;
        return j - start >= 2 ? j - 1 : j;
    }

    /** End of the maximal run of code points of class {@code k} that starts at {@code from}. */
    private static int runEnd(CharSequence text, int from, int end, byte k) {
        int i = from;
        while (i < end) {
            char c = text.charAt(i);
            if (c < 128) {
                if (ASCII[c] != k) break;
                i++;
            } else {
                int cp = codePointAt(text, i, end);
                if (classOf(cp) != k) break;
                i += Character.charCount(cp);
            }
        }
        return i;
    }

    /** The code point at {@code i}, pairing surrogates only within {@code [i, end)}; a lone surrogate is itself. */
    static int codePointAt(CharSequence text, int i, int end) {
        char hi = text.charAt(i);
        if (Character.isHighSurrogate(hi) && i + 1 < end) {
            char lo = text.charAt(i + 1);
            if (Character.isLowSurrogate(lo)) return Character.toCodePoint(hi, lo);
        }
        return hi;
    }
}
