package nci.gpt2.tokenizer;

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
                "id 5");
        Files.writeString(badVocab, "[1, 2]", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(badVocab, merges)), "bad-vocab.json");
        Files.writeString(badVocab, "{\"a\": 0, ", StandardCharsets.UTF_8);
        assertMentions(assertThrows(IOException.class, () -> Gpt2Tokenizer.load(badVocab, merges)), "bad-vocab.json");
    }

    /** A tokenizer with the real vocabulary and only a header in merges.txt encodes byte by byte. */
    @Test
    void withoutMergesEveryByteIsAToken(@TempDir Path dir) throws IOException {
        Path merges = dir.resolve("merges.txt");
        Files.writeString(merges, "#version: 0.2\n", StandardCharsets.UTF_8);
        Gpt2Tokenizer tok = Gpt2Tokenizer.load(TokenizerFixtures.tokenizerDir().resolve("vocab.json"), merges);
        int[] ids = tok.encode("a é");
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {
                tok.id("a").orElseThrow(), tok.id("Ġ").orElseThrow(), tok.id("Ã").orElseThrow(),
                tok.id("©").orElseThrow()}, ids);
        org.junit.jupiter.api.Assertions.assertEquals("a é", tok.decode(ids));
    }
}
