package nci.gpt2.tokenizer;

/**
 * GPT-2's reversible byte-to-unicode mapping ({@code bytes_to_unicode} in OpenAI's encoder.py).
 *
 * <p>BPE works on strings of printable characters, so every byte 0..255 gets one character: the printable bytes
 * {@code '!'..'~'}, {@code '¡'..'¬'}, {@code '®'..'ÿ'} stand for themselves, and the remaining 68 bytes (controls,
 * space, DEL, NBSP, soft hyphen, ...) are mapped in increasing byte order to U+0100, U+0101, ... (so space, byte 32,
 * becomes U+0120 'Ġ' and newline, byte 10, becomes U+010A 'Ċ'). Every mapped character is in the BMP (below U+0144).
 */
final class ByteLevel {
    private ByteLevel() {}

    /** byte value (0..255) → its character. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** character (0..CHAR_LIMIT-1) → byte value, or -1 when the character stands for no byte. */
    private static final short[] CHAR_TO_BYTE;
    private static final int CHAR_LIMIT = 256 + 68;

    static {
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + extra++);
        }
        if (extra != 68) throw new AssertionError("byte-level alphabet must remap 68 bytes, remapped " + extra);
        CHAR_TO_BYTE = new short[CHAR_LIMIT];
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        for (int b = 0; b < 256; b++) CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = (short) b;
    }

    /** The character that stands for byte {@code b} (only the low 8 bits are used). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte (0..255) that character {@code c} stands for, or -1 if {@code c} is not in the byte-level alphabet. */
    static int byteOf(char c) {
        return c < CHAR_LIMIT ? CHAR_TO_BYTE[c] : -1;
    }
}
