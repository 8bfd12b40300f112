package nci.tools.study;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * JSON the user wrote (experiment files, dataset lines, patch specs), read strictly: the bytes must be UTF-8, a key
 * may appear only once in an object, and nothing but white space may follow the value. Every problem is an
 * {@link IllegalArgumentException} naming the file and, for syntax, the line and column, in words (the parser's
 * feature names and source descriptions are left out).
 */
public final class JsonInput {
    private JsonInput() {}

    private static final JsonMapper STRICT = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** A syntax error at {@code line}, {@code column} (1-based; 0 when the parser gives no place) of the text parsed. */
    public static final class SyntaxError extends IllegalArgumentException {
        private final int line, column;
        private final String what;

        SyntaxError(int line, int column, String what) {
            super((line > 0 ? "line " + line + (column > 0 ? ", column " + column : "") + ": " : "") + "not valid JSON: " + what);
            this.line = line;
            this.column = column;
            this.what = what;
        }

        public int line() { return line; }

        public int column() { return column; }

        /** What is wrong, without the place. */
        public String what() { return what; }
    }

    /**
     * Parses one JSON value; null for a text of white space only.
     * @throws SyntaxError for a syntax error, a repeated key, or anything after the value
     */
    public static JsonNode parse(String text) {
        try (JsonParser p = STRICT.createParser(text)) {
            JsonNode node = STRICT.readTree(p);
            // Checked here rather than with FAIL_ON_TRAILING_TOKENS, so that '{...} x', '{...}}' and '{...}{...}' all get
            // the same message: the parser would call the first two an unknown token and a stray close marker.
            JsonLocation after;
            try {
                after = p.nextToken() == null ? null : p.currentTokenLocation();
            } catch (JacksonException e) {
                after = e.getLocation();
                if (after == null) after = JsonLocation.NA;
            }
            if (after != null) throw syntax(after, "unexpected content after the JSON value");
            return node;
        } catch (JacksonException e) {
            throw syntax(e.getLocation(), what(e));
        } catch (IOException e) {
            throw new IllegalStateException("reading a string failed", e);   // a String source does no I/O
        }
    }

    /** Reads and parses a JSON file; errors are {@code FILE: line L, column C: not valid JSON: ...}. */
    public static JsonNode read(Path file) {
        String text = text(file);
        try {
            return parse(text);
        } catch (SyntaxError e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The content of a UTF-8 text file, without a leading byte order mark (some Windows editors write one; RFC 8259
     * lets a JSON reader ignore it, and the parser would otherwise call it an unexpected character).
     * @throws IllegalArgumentException naming the file when it is missing, a folder, unreadable, or not valid UTF-8
     *                                  (then with the line and column of the first bad byte)
     */
    public static String text(Path file) {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(file + ": is a folder, not a file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot read it (permission denied)");
        } catch (FileSystemException e) {
            throw new IllegalArgumentException(file + ": cannot read it (" + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()) + ")");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read it (" + e.getMessage() + ")");
        }
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);          // UTF-8 never decodes to more chars than bytes
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) r = d.flush(out);
        if (r.isError()) {
            int at = in.position(), line = 1, lineStart = 0;
            for (int i = 0; i < at; i++)
                if (bytes[i] == '\n') { line++; lineStart = i + 1; }
            throw new IllegalArgumentException(file + ": line " + line + ", column " + (at - lineStart + 1) + ": not valid UTF-8 (byte 0x"
                    + String.format("%02x", bytes[at] & 0xff) + "); save the file as UTF-8");
        }
        String text = out.flip().toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static SyntaxError syntax(JsonLocation at, String what) {
        return at == null ? new SyntaxError(0, 0, what) : new SyntaxError(Math.max(0, at.getLineNr()), Math.max(0, at.getColumnNr()), what);
    }

    /** The parser's message in words: source descriptions become "line L, column C", feature and class names go. */
    static String what(JacksonException e) {
        String m = e.getOriginalMessage();
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        m = m.replaceAll("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]", "line $1, column $2");
        m = m.replaceAll(": enable `[^`]*` to allow", "");
        m = m.replaceAll(", from `[^`]*`", "");
        m = m.replaceAll(" \\(not recognized as one since Feature '[^']*' not enabled for parser\\)", " (JSON has no comments)");
        if (m.startsWith("Duplicate field ")) m = "duplicate key " + m.substring("Duplicate field ".length());
        return m;
    }
}
