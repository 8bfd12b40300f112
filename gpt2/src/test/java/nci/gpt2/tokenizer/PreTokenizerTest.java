package nci.gpt2.tokenizer;

import static nci.gpt2.tokenizer.TokenizerFixtures.escape;
import static nci.gpt2.tokenizer.TokenizerFixtures.idsMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hand-written scanner against GPT-2's regex as Python's {@code regex} module runs it: hand-picked edge cases
 * and the generated {@link ReferenceVectors} (whose ids also check BPE end to end).
 */
class PreTokenizerTest {

    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int j = PreTokenizer.next(text, i, text.length());
            out.add(text.substring(i, j));
            i = j;
        }
        return out;
    }

    private static void check(String text, String... expected) {
        assertEquals(List.of(expected), pieces(text), () -> "pre-tokens of " + escape(text));
    }

    /** Expected splits as {@code regex.findall(pattern, text)} returns them. */
    @Test
    void edgeCases() {
        check("Hello world", "Hello", " world");
        check("a  b", "a", " ", " b");
        check("a   ", "a", "   ");
        check("a \tb", "a", " ", "\t", "b");
        check("a\t b", "a", "\t", " b");
        check("\n\n\n", "\n\n\n");
        check(" \t \n mixed", " \t \n", " mixed");
        check("x \u00A0y", "x", " ", "\u00A0", "y");    // NBSP is \s; only U+0020 may lead a word
        check("x\u00A0y", "x", "\u00A0", "y");
        check("x\u3000\u3000y", "x", "\u3000", "\u3000", "y");
        check("x\u001Cy", "x", "\u001C", "y");           // U+001C..1F are not \s in `regex` (but Java isWhitespace)
        check("x \u001Cy", "x", " \u001C", "y");
        check("a\u200Bb", "a", "\u200B", "b");            // zero-width space is a format character
        check("I'm", "I", "'m");
        check("I'M", "I", "'", "M");                      // contractions are lower case only
        check("'sam", "'s", "am");
        check("'''s", "'''", "s");                        // a run of others swallows the apostrophe
        check("don't", "don", "'t");
        check(" 'll", " '", "ll");
        check("it''ll", "it", "''", "ll");
        check("x're're", "x", "'re", "'re");
        check("e\u0301t\u00E9", "e", "\u0301", "t\u00E9");  // combining mark: not a letter
        check("\u00BD\u00B2x", "\u00BD\u00B2", "x");       // No: numbers
        check("\u216B12", "\u216B12");                     // Nl Roman numeral and digits
        check("\uD835\uDC00\uD835\uDFD8!", "\uD835\uDC00", "\uD835\uDFD8", "!");  // astral letter, astral digit
        check("\uD83D\uDE00 \uD83D\uDC4D\uD83C\uDFFD", "\uD83D\uDE00", " \uD83D\uDC4D\uD83C\uDFFD");
        check("1,000", "1", ",", "000");
        check("", new String[0]);
    }

    @Test
    void classesFollowRegexUnicodeSemantics() {
        int[] ws = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F,
                0x205F, 0x3000};
        for (int cp : ws) assertEquals(PreTokenizer.WHITESPACE, PreTokenizer.classOf(cp), "U+" + Integer.toHexString(cp));
        for (int cp : new int[] {0x1C, 0x1D, 0x1E, 0x1F, 0x200B, 0xFEFF, 0x180E, 0x00, 0x7F})
            assertEquals(PreTokenizer.OTHER, PreTokenizer.classOf(cp), "U+" + Integer.toHexString(cp));
        for (int cp : new int[] {'a', 'Z', 0xAA, 0x1C5, 0x2B0, 0x4E2D, 0x1D400, 0x10348})
            assertEquals(PreTokenizer.LETTER, PreTokenizer.classOf(cp), "U+" + Integer.toHexString(cp));
        for (int cp : new int[] {'0', 0xB2, 0xBD, 0x216B, 0x663, 0xFF11, 0x1D7D8})
            assertEquals(PreTokenizer.NUMBER, PreTokenizer.classOf(cp), "U+" + Integer.toHexString(cp));
    }

    record Ref(String text, int[] ends, int[] plain, int[] special) {}

    static List<Ref> references() {
        List<Ref> out = new ArrayList<>();
        for (String chunk : ReferenceVectors.CHUNKS)
            for (String line : chunk.split("\n")) {
                if (line.isBlank()) continue;
                String[] f = line.split("\\|", -1);
                String text = new String(HexFormat.of().parseHex(f[0]), StandardCharsets.UTF_8);
                int[] plain = ints(f[2]);
                out.add(new Ref(text, ints(f[1]), plain, f[3].equals("=") ? plain : ints(f[3])));
            }
        return out;
    }

    private static int[] ints(String s) {
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void generatedReferenceVectors() {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        List<Ref> refs = references();
        assertEquals(260, refs.size(), "ReferenceVectors line count");
        for (Ref r : refs) {
            List<String> pieces = pieces(r.text());
            int[] ends = new int[pieces.size()];
            for (int k = 0, e = 0; k < ends.length; k++) ends[k] = e += pieces.get(k).length();
            assertArrayEquals(r.ends(), ends, () -> "pre-token ends of " + escape(r.text()) + ": "
                    + pieces.stream().map(TokenizerFixtures::escape).toList());
            int[] plain = tok.encodePlain(r.text());
            assertArrayEquals(r.plain(), plain, () -> idsMessage("encodePlain", r.text(), r.plain(), plain));
            int[] special = tok.encode(r.text());
            assertArrayEquals(r.special(), special, () -> idsMessage("encode", r.text(), r.special(), special));
            assertEquals(r.text(), tok.decode(special), () -> "decode(encode) of " + escape(r.text()));
        }
    }
}
