package nci.gpt2.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Locates {@code fixtures/} and shares one tokenizer loaded from {@code fixtures/tokenizer/} between tests. */
final class TokenizerFixtures {
    private TokenizerFixtures() {}

    private static Gpt2Tokenizer shared;

    /** The fixtures folder: system property {@code nci.fixtures}, else the first {@code fixtures/} walking up. */
    static Path root() {
        String prop = System.getProperty("nci.fixtures");
        if (prop != null && Files.isDirectory(Path.of(prop))) return Path.of(prop);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isDirectory(p.resolve("fixtures").resolve("tokenizer"))) return p.resolve("fixtures");
        throw new IllegalStateException("fixtures/ not found: set -Dnci.fixtures or run inside the repository");
    }

    static Path tokenizerDir() {
        return root().resolve("tokenizer");
    }

    static synchronized Gpt2Tokenizer gpt2() {
        if (shared == null) {
            try {
                shared = Gpt2Tokenizer.load(tokenizerDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** A failure message showing the text (escaped), the expected and actual ids, and where they first differ. */
    static String idsMessage(String what, String text, int[] expected, int[] actual) {
        int first = Arrays.mismatch(expected, actual);
        return what + " for text " + escape(text) + "\n expected " + Arrays.toString(expected)
                + "\n actual   " + Arrays.toString(actual) + "\n first difference at index " + first;
    }

    /** Java-escaped rendering of a string, so whitespace and invisible characters show. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') sb.append(c);
            else sb.append(String.format("\\u%04X", (int) c));
        }
        return sb.append('"').toString();
    }
}
