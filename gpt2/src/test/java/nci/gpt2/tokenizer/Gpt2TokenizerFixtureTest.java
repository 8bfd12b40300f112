package nci.gpt2.tokenizer;

import static nci.gpt2.tokenizer.TokenizerFixtures.escape;
import static nci.gpt2.tokenizer.TokenizerFixtures.idsMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every vector of {@code fixtures/tokenizer/tokenizer_vectors.json} (HF transformers 4.29.2 slow GPT2Tokenizer):
 * {@code ids} via {@link Gpt2Tokenizer#encodePlain}, {@code ids_eot_as_special} via {@link Gpt2Tokenizer#encode},
 * {@code tokens}, {@code decode} and {@code decode_default}.
 */
class Gpt2TokenizerFixtureTest {

    record Vector(int index, String text, int[] ids, int[] idsEotSpecial, List<String> tokens, String decode,
                  String decodeDefault) {}

    static List<Vector> vectors() throws IOException {
        JsonNode root = new ObjectMapper().readTree(TokenizerFixtures.tokenizerDir()
                .resolve("tokenizer_vectors.json").toFile());
        List<Vector> out = new ArrayList<>();
        int i = 0;
        for (JsonNode v : root.get("vectors")) {
            String text = v.get("text").asText();
            // The hex bytes guard against any JSON-escaping accident in the text itself.
            assertEquals(v.get("utf8_hex").asText(), HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8)),
                    "fixture vector " + i + ": text does not match its utf8_hex");
            List<String> tokens = new ArrayList<>();
            v.get("tokens").forEach(t -> tokens.add(t.asText()));
            out.add(new Vector(i++, text, ints(v.get("ids")), v.has("ids_eot_as_special")
                    ? ints(v.get("ids_eot_as_special")) : null, tokens, v.get("decode").asText(),
                    v.get("decode_default").asText()));
        }
        return out;
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).intValue();
        return r;
    }

    @Test
    void fixtureHasAllVectors() throws IOException {
        List<Vector> v = vectors();
        assertEquals(44, v.size(), "tokenizer_vectors.json vector count");
        assertEquals(2, v.stream().filter(x -> x.idsEotSpecial() != null).count(), "vectors with ids_eot_as_special");
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureVector() throws IOException {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        return vectors().stream().map(v -> DynamicTest.dynamicTest("vector " + v.index() + " " + escape(
                v.text().length() > 40 ? v.text().substring(0, 40) + "..." : v.text()), () -> {
            int[] plain = tok.encodePlain(v.text());
            assertArrayEquals(v.ids(), plain, () -> idsMessage("encodePlain vs ids", v.text(), v.ids(), plain));
            int[] expectedSpecial = v.idsEotSpecial() != null ? v.idsEotSpecial() : v.ids();
            int[] special = tok.encode(v.text());
            assertArrayEquals(expectedSpecial, special,
                    () -> idsMessage("encode vs ids_eot_as_special", v.text(), expectedSpecial, special));
            assertEquals(v.tokens(), tok.tokens(v.ids()), () -> "tokens of " + escape(v.text()));
            for (int k = 0; k < v.ids().length; k++) assertEquals(v.tokens().get(k), tok.token(v.ids()[k]));
            assertEquals(v.decode(), tok.decode(v.ids()), () -> "decode of ids for " + escape(v.text()));
            assertEquals(v.decodeDefault(), tok.decode(v.ids(), true),
                    () -> "decode with clean-up for " + escape(v.text()));
            assertEquals(v.text(), tok.decode(special), () -> "decode(encode(text)) for " + escape(v.text()));
        }));
    }

    @Test
    void wellKnownFacts() {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        assertArrayEquals(new int[] {15496, 995}, tok.encode("Hello world"));
        assertEquals(1, tok.encode(" mat").length, "' mat' is one token");
        assertEquals(1, tok.encode(" rug").length, "' rug' is one token");
        assertEquals(12, tok.encode("The cat sat on the mat. The cat sat on the").length);
        assertEquals(50257, tok.vocabSize());
        assertEquals(50000, tok.mergeCount());
        assertEquals("Ġthe", tok.token(262));
        assertEquals(262, tok.id("Ġthe").orElseThrow());
        assertTrue(tok.id("no such token").isEmpty());
        assertEquals(Gpt2Tokenizer.END_OF_TEXT_TOKEN, tok.token(Gpt2Tokenizer.END_OF_TEXT));
        assertArrayEquals(new int[] {Gpt2Tokenizer.END_OF_TEXT}, tok.encode("<|endoftext|>"));
        assertArrayEquals(new int[] {27, 91, 437, 1659, 5239, 91, 29}, tok.encodePlain("<|endoftext|>"));
        // Two specials back to back and whitespace around one: nothing is stripped or merged across the token.
        assertArrayEquals(new int[] {50256, 50256}, tok.encode("<|endoftext|><|endoftext|>"));
        int[] spaced = tok.encode(" <|endoftext|> ");
        assertArrayEquals(new int[] {220, 50256, 220}, spaced, () -> idsMessage("spaced special", " <|endoftext|> ",
                new int[] {220, 50256, 220}, spaced));
        assertArrayEquals(new int[0], tok.encode(""));
        assertEquals("", tok.decode(new int[0]));
    }

    /** Every model folder of the fixtures carries the same vocabulary and merges as fixtures/tokenizer. */
    @Test
    void everyModelFolderLoadsTheSameVocabulary() throws IOException {
        Gpt2Tokenizer ref = TokenizerFixtures.gpt2();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(TokenizerFixtures.root().resolve("models"))) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(dirs.size() >= 7, "expected the 7 public model folders, found " + dirs);
        List<Vector> vectors = vectors();
        for (Path dir : dirs) {
            Gpt2Tokenizer tok = Gpt2Tokenizer.load(dir);
            assertEquals(ref.vocabSize(), tok.vocabSize(), dir + ": vocab size");
            assertEquals(ref.mergeCount(), tok.mergeCount(), dir + ": merge count");
            for (int id = 0; id < ref.vocabSize(); id++)
                if (!ref.token(id).equals(tok.token(id)))
                    throw new AssertionError(dir + ": token " + id + " is " + escape(tok.token(id)) + ", expected "
                            + escape(ref.token(id)));
            for (Vector v : vectors) {
                int[] ids = tok.encodePlain(v.text());
                assertArrayEquals(v.ids(), ids, () -> idsMessage(dir.getFileName() + " encodePlain", v.text(),
                        v.ids(), ids));
            }
        }
    }

    /** The prompts recorded in each model's reference.json tokenise to the ids the reference forward used. */
    @Test
    void referencePromptsOfEveryModel() throws IOException {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        int checked = 0;
        try (Stream<Path> s = Files.list(TokenizerFixtures.root().resolve("models"))) {
            for (Path dir : s.filter(Files::isDirectory).sorted().toList()) {
                JsonNode ref = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
                for (JsonNode p : ref.get("prompts")) {
                    String text = p.get("text").asText();
                    int[] expected = ints(p.get("input_ids"));
                    int[] actual = tok.encode(text);
                    assertArrayEquals(expected, actual, () -> idsMessage(dir.getFileName() + " reference prompt",
                            text, expected, actual));
                    assertEquals(text, tok.decode(expected));
                    checked++;
                }
            }
        }
        assertTrue(checked >= 7, "expected reference prompts, checked " + checked);
    }
}
