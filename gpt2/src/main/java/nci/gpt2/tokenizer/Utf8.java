package nci.gpt2.tokenizer;

/**
 * UTF-8 with the exact error behaviour of Python's codec, which GPT-2's tokenizer relies on.
 *
 * <p>Decoding ({@code bytes.decode("utf-8", errors="replace")}) replaces each <em>maximal subpart</em> of an
 * ill-formed sequence with one U+FFFD (Unicode §3.9, "best practice"): a lead byte followed by the continuation
 * bytes that were still valid for it is one replacement, and decoding resumes at the offending byte. So
 * {@code ED A0 80} (an encoded surrogate; after ED only 80..9F are valid) gives three U+FFFD, {@code F0 9F 98} at
 * the end gives one, {@code C0 80} gives two. {@code new String(bytes, UTF_8)} differs on some of these (it folds
 * an encoded surrogate into fewer replacements), hence this decoder.
 *
 * <p>Encoding refuses lone surrogates, as Python's strict {@code str.encode("utf-8")} does: they have no UTF-8 form.
 */
final class Utf8 {
    private Utf8() {}

    private static final char REPLACEMENT = '\uFFFD';

    /**
     * Appends the UTF-8 bytes of {@code text[start, end)} to {@code out} from {@code outPos}; returns the new
     * position. {@code out} must have room for 3 bytes per char (the most a UTF-16 unit can need).
     *
     * @throws IllegalArgumentException on a lone surrogate, naming its index in {@code text}
     */
    static int encode(CharSequence text, int start, int end, byte[] out, int outPos) {
        int p = outPos;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | (c >> 6));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= end || !Character.isLowSurrogate(text.charAt(i + 1)))
                    throw new IllegalArgumentException(String.format(
                            "text has a lone surrogate U+%04X at char index %d; it has no UTF-8 encoding", (int) c, i));
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out[p++] = (byte) (0xF0 | (cp >> 18));
                out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                out[p++] = (byte) (0xE0 | (c >> 12));
                out[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return p;
    }

    /** Decodes {@code bytes[0, length)}, replacing ill-formed parts as Python's {@code errors="replace"} does. */
    static String decode(byte[] bytes, int length) {
        StringBuilder sb = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            // Number of continuation bytes and the valid range of the first one (Unicode Table 3-7).
            int need, lo = 0x80, hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) need = 1;
            else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) lo = 0xA0;          // no overlong 3-byte forms
                else if (b0 == 0xED) hi = 0x9F;     // no surrogates
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) lo = 0x90;          // no overlong 4-byte forms
                else if (b0 == 0xF4) hi = 0x8F;     // nothing above U+10FFFF
            } else {                                // 80..C1, F5..FF can never start a character
                sb.append(REPLACEMENT);
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            boolean ok = true;
            for (int n = 0; n < need; n++, j++) {
                int bmin = n == 0 ? lo : 0x80, bmax = n == 0 ? hi : 0xBF;
                if (j >= length) { ok = false; break; }
                int b = bytes[j] & 0xFF;
                if (b < bmin || b > bmax) { ok = false; break; }
                cp = (cp << 6) | (b & 0x3F);
            }
            if (ok) sb.appendCodePoint(cp);
            else sb.append(REPLACEMENT);            // the maximal subpart [i, j); resume at the offending byte j
            i = j;
        }
        return sb.toString();
    }
}
