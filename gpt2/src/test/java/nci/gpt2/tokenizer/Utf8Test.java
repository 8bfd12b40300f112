package nci.gpt2.tokenizer;

import static nci.gpt2.tokenizer.TokenizerFixtures.escape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Utf8Test {

    /** Byte sequences and what Python 3's {@code bytes.decode("utf-8", "replace")} returns for them. */
    private static final String[][] PYTHON_DECODES = {
            {"ed a0 80", "\uFFFD\uFFFD\uFFFD"},
            {"f0 9f 98", "\uFFFD"},
            {"c0 80", "\uFFFD\uFFFD"},
            {"e0 80 80", "\uFFFD\uFFFD\uFFFD"},
            {"f4 90 80 80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
            {"f5", "\uFFFD"},
            {"ff fe", "\uFFFD\uFFFD"},
            {"80 bf", "\uFFFD\uFFFD"},
            {"e2 82", "\uFFFD"},
            {"e2 82 41", "\uFFFDA"},
            {"f0 9f 98 80", "\uD83D\uDE00"},
            {"c3 a9", "\u00E9"},
            {"ed 9f bf", "\uD7FF"},
            {"ee 80 80", "\uE000"},
            {"f0 90 80 80", "\uD800\uDC00"},
            {"f4 8f bf bf", "\uDBFF\uDFFF"},
            {"e0 a0", "\uFFFD"},
            {"41 c2", "A\uFFFD"},
            {"df bf", "\u07FF"},
            {"c2 41 c2 c2 80", "\uFFFDA\uFFFD\u0080"},
    };

    @Test
    void decodeReplacesLikePython() {
        for (String[] c : PYTHON_DECODES) {
            byte[] b = HexFormat.of().parseHex(c[0].replace(" ", ""));
            assertEquals(c[1], Utf8.decode(b, b.length), "decode of bytes " + c[0]);
        }
    }

    /** On well-formed input both directions agree with the JDK's codec (seeded random code points). */
    @Test
    void wellFormedRoundTripAgreesWithJdk() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int n = 0; n < 2000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(0, 20);
            for (int k = 0; k < len; k++) {
                int cp = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextInt(0, 0x80);
                    case 1 -> rnd.nextInt(0x80, 0x800);
                    case 2 -> rnd.nextInt(0x800, 0x10000);
                    default -> rnd.nextInt(0x10000, 0x110000);
                };
                if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
                sb.appendCodePoint(cp);
            }
            String s = sb.toString();
            byte[] out = new byte[3 * s.length()];
            int m = Utf8.encode(s, 0, s.length(), out, 0);
            byte[] jdk = s.getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(jdk, Arrays.copyOf(out, m), () -> "UTF-8 of " + escape(s));
            assertEquals(s, Utf8.decode(jdk, jdk.length), () -> "decode of " + escape(s));
        }
    }

    @Test
    void encodeRejectsLoneSurrogatesNamingTheIndex() {
        for (String s : new String[] {"ab\uD83D", "ab\uDE00c", "ab\uD83Dxy", "ab\uDE00\uD83D"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Utf8.encode(s, 0, s.length(), new byte[3 * s.length()], 0), () -> escape(s));
            assertTrue(e.getMessage().contains("index 2"), e.getMessage());
        }
    }
}
