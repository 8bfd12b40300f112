package nci.gpt2.tokenizer;

import static nci.gpt2.tokenizer.TokenizerFixtures.escape;
import static nci.gpt2.tokenizer.TokenizerFixtures.idsMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Properties on seeded random text: exact round trips, pieces independent of context, thread safety. */
class Gpt2TokenizerPropertiesTest {

    private static final String[] SNIPPETS = {
            " ", " ", "  ", "\t", "\n", "\r\n", "\u000B", "\u000C", "\u0085", "\u00A0", "\u2003", "\u2028", "\u3000",
            "\u001F", "\u200B", "\uFEFF", "\u0000", "'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S",
            ".", ",", "!", "?", "-", "(", ")", "\"", "#", "%", "<|endoftext|>", "<|", "|>",
            "0", "12", "345", "\u00B2", "\u00BD", "\u0663", "\uFF11",
    };

    /** A random string mixing snippets with random code points from every plane (surrogate pairs included). */
    static String randomText(SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(0, 30);
        for (int k = 0; k < n; k++) {
            switch (rnd.nextInt(6)) {
                case 0 -> sb.append(SNIPPETS[rnd.nextInt(SNIPPETS.length)]);
                case 1 -> sb.append((char) rnd.nextInt('a', 'z' + 1));
                case 2 -> sb.appendCodePoint(rnd.nextInt(0x20, 0x7F));
                case 3 -> sb.appendCodePoint(validCodePoint(rnd, rnd.nextInt(0x80, 0x3000)));
                case 4 -> sb.appendCodePoint(validCodePoint(rnd, rnd.nextInt(0x3000, 0x10000)));
                default -> sb.appendCodePoint(rnd.nextInt(0x10000, 0x110000));   // astral: a surrogate pair
            }
        }
        return sb.toString();
    }

    private static int validCodePoint(SplittableRandom rnd, int cp) {
        return cp >= 0xD800 && cp <= 0xDFFF ? rnd.nextInt(0x4E00, 0x9FFF) : cp;
    }

    @Test
    void decodeInvertsEncodeOnRandomUnicode() {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        SplittableRandom rnd = new SplittableRandom(20240615);
        for (int n = 0; n < 3000; n++) {
            String s = randomText(rnd);
            int[] plain = tok.encodePlain(s);
            assertEquals(s, tok.decode(plain), () -> "decode(encodePlain) of " + escape(s));
            int[] special = tok.encode(s);
            assertEquals(s, tok.decode(special), () -> "decode(encode) of " + escape(s));
            for (int id : special) assertTrue(id >= 0 && id < tok.vocabSize(), () -> "id out of range for " + escape(s));
            if (!s.contains(Gpt2Tokenizer.END_OF_TEXT_TOKEN))
                assertArrayEquals(plain, special, () -> idsMessage("encode vs encodePlain without special", s, plain,
                        special));
        }
    }

    /** Encoding is a concatenation over pre-tokens: each piece encoded alone gives the same ids. */
    @Test
    void encodingIsTheConcatenationOfItsPieces() {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        SplittableRandom rnd = new SplittableRandom(7);
        for (int n = 0; n < 500; n++) {
            String s = randomText(rnd);
            List<Integer> concat = new ArrayList<>();
            for (String piece : PreTokenizerTest.pieces(s)) for (int id : tok.encodePlain(piece)) concat.add(id);
            int[] expected = concat.stream().mapToInt(Integer::intValue).toArray();
            int[] actual = tok.encodePlain(s);
            assertArrayEquals(expected, actual, () -> idsMessage("whole vs pieces", s, expected, actual));
        }
    }

    /** A single byte-level token can cut a character; decoding it alone replaces the fragment with U+FFFD. */
    @Test
    void partialCharactersDecodeToReplacement() {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        int[] ids = tok.encodePlain("\uD83D\uDE00");   // 😀: F0 9F 98 80, two tokens
        assertTrue(ids.length >= 2, "emoji should need several byte-level tokens");
        assertEquals("\uFFFD", tok.decode(new int[] {ids[0]}));
        assertEquals("\uD83D\uDE00", tok.decode(ids));
        int e2 = tok.id(String.valueOf('\u00E2')).orElseThrow();   // the symbol for byte 0xE2, a 3-byte lead
        assertEquals("\uFFFDA", tok.decode(new int[] {e2, tok.id("A").orElseThrow()}));
        // An encoded surrogate, ED A0 80: Python gives three U+FFFD (the JDK's own decoder gives fewer).
        int[] surrogate = {byteToken(tok, 0xED), byteToken(tok, 0xA0), byteToken(tok, 0x80)};
        assertEquals("\uFFFD\uFFFD\uFFFD", tok.decode(surrogate));
        assertArrayEquals(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, tok.decodeBytes(surrogate));
    }

    private static int byteToken(Gpt2Tokenizer tok, int b) {
        return tok.id(String.valueOf(ByteLevel.charOf(b))).orElseThrow();
    }

    /** Threads sharing one tokenizer (and its cache) get exactly the single-threaded results. */
    @Test
    void sharedBetweenThreads() throws Exception {
        Gpt2Tokenizer shared = TokenizerFixtures.gpt2();
        SplittableRandom rnd = new SplittableRandom(99);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 400; i++) texts.add(randomText(rnd));
        // Reference from a fresh instance, so its cache is unrelated to the shared one's.
        Gpt2Tokenizer fresh = Gpt2Tokenizer.load(TokenizerFixtures.tokenizerDir());
        List<int[]> expected = texts.stream().map(fresh::encode).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t * 37;
                futures.add(pool.submit(() -> {
                    for (int k = 0; k < texts.size(); k++) {
                        int i = (k + offset) % texts.size();
                        int[] actual = shared.encode(texts.get(i));
                        assertArrayEquals(expected.get(i), actual, () -> idsMessage("concurrent encode",
                                texts.get(i), expected.get(i), actual));
                    }
                }));
            }
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdownNow();
        }
    }
}
