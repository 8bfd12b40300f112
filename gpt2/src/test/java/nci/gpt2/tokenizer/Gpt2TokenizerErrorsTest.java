package nci.gpt2.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2TokenizerErrorsTest {

    private static void assertMentions(Throwable e, String... parts) {
        for (String p : parts)
            assertTrue(e.getMessage() != null && e.getMessage().contains(p),
                    () -> "message should mention '" + p + "': " + e.getMessage());
    }

    @Test
    void idOutsideVocabularyNamesIdAndPosition() {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        assertMentions(assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {15496, 995, 50257})),
                "50257", "position 2");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1})),
                "-1", "position 0");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> tok.tokens(new int[] {1, 99999})),
                "99999", "position 1");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> tok.token(50257)), "50257");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> tok.token(-5)), "-5");
    }

    @Test
    void loneSurrogateIsRejectedWithItsIndex() {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        assertMentions(assertThrows(IllegalArgumentException.class, () -> tok.encode("abc \uD83D")), "index 4");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> tok.encodePlain("x\uDE00y")), "index 1");
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) throws IOException {
        Path src = TokenizerFixtures.tokenizerDir();
        assertMentions(assertThrows(NoSuchFileException.class, () -> Gpt2Tokenizer.load(dir)), "vocab.json");
        Files.copy(src.resolve("vocab.json"), dir.resolve("vocab.json"));
        assertMentions(assertThrows(NoSuchFileException.class, () -> Gpt2Tokenizer.load(dir)), "merges.txt");
        assertMentions(assertThrows(NoSuchFileException.class, () -> Gpt2Tokenizer.load(dir.resolve("nope"))), "nope");
        assertMentions(assertThrows(NoSuchFileException.class,
                () -> Gpt2Tokenizer.load(dir.resolve("vocab.json"), dir.resolve("other-merges.txt"))), "other-merges.txt");
    }

    @Test
    void malformedFilesAreReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        Path src = TokenizerFixtures.tokenizerDir();
        Path vocab = dir.resolve("vocab.json");
        Files.copy(src.resolve("vocab.json"), vocab);
        Path merges = dir.resolve("merges.txt");

        Files.writeString(merges, "#version: 0.2\nĠ t\nĠt he he\n", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(vocab, merges)), "merges.txt line 3");
        Files.writeString(merges, "#version: 0.2\nĠ t\nĠ \u4E2D\u6587\u4E2D\n", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(vocab, merges)), "merges.txt line 3",
                "not in vocab.json");

        Files.writeString(merges, "#version: 0.2\n", StandardCharsets.UTF_8);
        Path badVocab = dir.resolve("bad-vocab.json");
        Files.writeString(badVocab, "{\"a\": 0, \"b\": \"one\"}", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(badVocab, merges)), "bad-vocab.json",
                "'b'");
        Files.writeString(badVocab, "{\"a\": 0, \"b\": 5}", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(badVocab, merges)), "bad-vocab.json",
                "no token has ids 1, 2, 3, 4 (", "reach id 5, 'b')", "'Ā' (byte 0x00)", "… (254 in all) are missing");
        Files.writeString(badVocab, "{\"a\": 0, \"b\": -1}", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(badVocab, merges)), "bad-vocab.json",
                "token 'b' has id -1");
        Files.writeString(badVocab, "{\"a\": 0, \"b\": 7, \"c\": 7}", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(badVocab, merges)), "bad-vocab.json",
                "id 7 is given to both 'b' and 'c'");
        Files.writeString(badVocab, "[1, 2]", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(badVocab, merges)), "bad-vocab.json");
        Files.writeString(badVocab, "{\"a\": 0, ", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(badVocab, merges)), "bad-vocab.json");
    }

    /**
     * A merges.txt without merges beside a vocabulary whose other 50000 tokens only merges make: the merges are
     * missing (loaded, it tokenized one byte per token). The file is named.
     */
    @Test
    void mergesWithoutMergesAreRefused(@TempDir Path dir) throws IOException {
        Path vocab = TokenizerFixtures.tokenizerDir().resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        for (String text : new String[] {"", "#version: 0.2\n", "#version: 0.2\n\n\r\n"}) {
            Files.writeString(merges, text, StandardCharsets.UTF_8);
            assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(vocab, merges)), merges.toString(),
                    "holds no merges", "vocab.json has 50000 tokens beyond the 256 byte tokens and <|endoftext|>");
        }
        // one merge is enough (a merges.txt cut short at a line is not detected: vocabularies may hold tokens no merge makes)
        Files.writeString(merges, "#version: 0.2\nĠ t\n", StandardCharsets.UTF_8);
        Gpt2Tokenizer tok = Gpt2Tokenizer.load(vocab, merges);
        assertEquals(1, tok.mergeCount());
        assertArrayEquals(new int[] {tok.id("Ġt").orElseThrow(), tok.id("o").orElseThrow()}, tok.encode(" to"));
    }

    /** A vocab.json with one entry deleted names the id no token has and, for a byte token, the token. */
    @Test
    void aVocabularyWithAnEntryDeletedNamesIt(@TempDir Path dir) throws IOException {
        Path src = TokenizerFixtures.tokenizerDir();
        Path merges = src.resolve("merges.txt"), vocab = dir.resolve("vocab.json");
        String text = Files.readString(src.resolve("vocab.json"), StandardCharsets.UTF_8);

        // 'Ã' (byte 0xC3) is id 127 in GPT-2's vocabulary
        Files.writeString(vocab, without(text, "\"\\u00c3\": 127, "), StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> Gpt2Tokenizer.load(vocab, merges));
        assertMentions(e, vocab.toString(), "no token has id 127 (", "the 50256 tokens reach id 50256, '<|endoftext|>')",
                "the byte token 'Ã' (byte 0xC3) is missing");

        // two byte tokens ('!' id 0 and '\"' id 1) and a merged one ('Ġthe' id 262)
        Files.writeString(vocab, without(without(without(text, "\"!\": 0, "), "\"\\\"\": 1, "), "\"\\u0120the\": 262, "),
                StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(vocab, merges)),
                "no token has ids 0, 1, 262 (", "the byte tokens '!' (byte 0x21), '\"' (byte 0x22) are missing");

        // the merged token alone: its id, and merges.txt would name it next
        Files.writeString(vocab, without(text, "\"\\u0120the\": 262, "), StandardCharsets.UTF_8);
        e = assertThrows(IOException.class, () -> Gpt2Tokenizer.load(vocab, merges));
        assertMentions(e, "no token has id 262 (");
        assertTrue(!e.getMessage().contains("byte token"), e.getMessage());

        // 'Ã' renamed (ids still 0..n-1): the byte-level check names the byte
        Files.writeString(vocab, text.replace("\"\\u00c3\": 127, ", "\"\\u00c3\\u00c3x\": 127, "), StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(vocab, merges)),
                "no token for byte 0xC3 (symbol 'Ã')");

        // a merge whose result vocab.json does not have
        Path badMerges = dir.resolve("merges.txt");
        Files.writeString(badMerges, "#version: 0.2\nĠ t\nĠt Ġt\n", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(src.resolve("vocab.json"), badMerges)),
                "merges.txt line 3: 'ĠtĠt' of merge 'Ġt Ġt' is not in vocab.json");
    }

    /** text with the one occurrence of entry removed. */
    private static String without(String text, String entry) {
        assertTrue(text.indexOf(entry) >= 0 && text.indexOf(entry) == text.lastIndexOf(entry), entry);
        return text.replace(entry, "");
    }
}
