package nci.tools.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strict reading of what the user wrote, and the parser's messages in words. */
class JsonInputTest {

    static String error(String text) {
        return assertThrows(JsonInput.SyntaxError.class, () -> JsonInput.parse(text), text).getMessage();
    }

    @Test
    void acceptsOneValueWithWhiteSpaceAround() {
        assertEquals(2, JsonInput.parse("\n {\"a\": 1, \"b\": {\"a\": 2}} \n\t").size());
        assertNull(JsonInput.parse(" \n"), "no value at all: null (the caller says what it expected)");
    }

    /** The place is the parser's: just after the key or token it could not take (the start of content after the value). */
    @Test
    void messagesNameThePlaceInWordsWithoutParserInternals() {
        assertEquals("line 1, column 10: not valid JSON: unexpected content after the JSON value", error("{\"a\": 1} garbage"));
        assertEquals("line 2, column 1: not valid JSON: unexpected content after the JSON value", error("[1]\n[2]"));
        assertEquals("line 1, column 13: not valid JSON: duplicate key 'a'", error("{\"a\": 1, \"a\": 2}"));
        assertEquals("line 1, column 8: not valid JSON: Non-standard token 'NaN'", error("[1, NaN]"));
        assertEquals("line 1, column 7: not valid JSON: Unexpected character ('+' (code 43)) in numeric value: "
                + "JSON spec does not allow numbers to have plus signs", error("{\"a\":+1}"));
        assertEquals("line 1, column 1: not valid JSON: Unexpected character ('/' (code 47)): maybe a (non-standard) comment? "
                + "(JSON has no comments)", error("// note\n{}"));
        assertEquals("line 2, column 3: not valid JSON: Unexpected end-of-input: expected close marker for Array "
                + "(start marker at line 1, column 7)", error("{\"a\": [1,\n 2"));
        assertEquals("not valid JSON: Document nesting depth (1001) exceeds the maximum allowed (1000)", error("[".repeat(1001)));
    }

    /** A leading byte order mark (EF BB BF) is dropped, as RFC 8259 allows; one anywhere else is content. */
    @Test
    void aLeadingByteOrderMarkIsDropped(@TempDir Path tmp) throws Exception {
        byte[] json = "{\"a\": [1, 2]}\n".getBytes(StandardCharsets.UTF_8), bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Path with = tmp.resolve("with.json"), without = Files.write(tmp.resolve("without.json"), json);
        try (var o = Files.newOutputStream(with)) {
            o.write(bom);
            o.write(json);
        }
        assertEquals(JsonInput.text(without), JsonInput.text(with));
        assertEquals(JsonInput.parse(JsonInput.text(without)), JsonInput.parse(JsonInput.text(with)));
        Path twice = Files.write(tmp.resolve("twice.json"), ("\uFEFF\uFEFF" + "{}").getBytes(StandardCharsets.UTF_8));
        assertEquals("\uFEFF{}", JsonInput.text(twice));
        assertEquals("line 1, column 1: not valid JSON: Unexpected character ('\uFEFF' (code 65279 / 0xfeff)): "
                + "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                error(JsonInput.text(twice)));
    }
}
