package nci.tools;

import static nci.tools.Cli.fixtures;
import static nci.tools.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import nci.gpt2.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line contract of tokenize and forward. */
class CliTest {

    static final String TINY_A = fixtures().resolve("models/tiny-a").toString();

    @Test
    void tokenizePrintsIdsAsJsonArray() {
        var o = run("tokenize", "--model", TINY_A, "Hello world");
        assertEquals(0, o.code(), o.err());
        assertEquals("[15496,995]\n", o.out());
    }

    @Test
    void tokenizeEndOfTextIsSpecialByDefault() {
        assertEquals("[5239,50256,3549,2420]\n", run("tokenize", "--model", TINY_A, "text<|endoftext|>more text").out());
        assertEquals("[27,91,437,1659,5239,91,29]\n", run("tokenize", "--model", TINY_A, "--plain-eot", "<|endoftext|>").out());
    }

    @Test
    void decodePrintsTextAsIs() {
        var o = run("tokenize", "--model", TINY_A, "--decode", "15496,995");
        assertEquals(0, o.code(), o.err());
        assertEquals("Hello world\n", o.out());
    }

    @Test
    void forwardWritesEveryTensorMatchingHuggingFace(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("f.safetensors");
        var o = run("forward", "--model", TINY_A, "--text", "The capital of Spain is", "--ids", "464,3139,286,8031,318",
                "--out", out.toString(), "--all");
        assertEquals(0, o.code(), String.join("\n", o.errorLines()));
        try (SafeTensors got = SafeTensors.open(out);
             SafeTensors ref = SafeTensors.open(fixtures().resolve("models/tiny-a/reference.safetensors"))) {
            assertEquals(List.of(2L, 5L, 32L), List.of(box(got.info("last_hidden_state").shape())));
            assertEquals(List.of(2L, 5L, 50257L), List.of(box(got.info("logits").shape())));
            assertEquals(List.of(2L, 4L, 5L, 5L), List.of(box(got.info("attentions.1").shape())));
            for (int p = 0; p < 2; p++) {
                compare(ref.floats("p" + p + ".last_hidden_state"), got.floats("last_hidden_state"), p, "last_hidden_state");
                for (int i = 0; i <= 2; i++)
                    compare(ref.floats("p" + p + ".hidden_states." + i), got.floats("hidden_states." + i), p, "hidden_states." + i);
                for (int l = 0; l < 2; l++)
                    compare(ref.floats("p" + p + ".attentions." + l), got.floats("attentions." + l), p, "attentions." + l);
                float[] logits = got.floats("logits");
                float[] last = ref.floats("p" + p + ".logits_last");
                float[] mine = new float[50257];
                System.arraycopy(logits, (p * 5 + 4) * 50257, mine, 0, 50257);
                compare(last, mine, 0, "logits_last");
            }
        }
    }

    @Test
    void forwardWithoutOutPrintsTopTokens() {
        var o = run("forward", "--text", "The cat sat on the mat. The cat sat on the");
        assertEquals(0, o.code(), String.join("\n", o.errorLines()));
        String first = o.out().lines().skip(1).findFirst().orElseThrow();
        assertTrue(first.contains("\" mat\"") && first.contains("id 2603") && first.contains("p=1.00000"), o.out());
        assertEquals(11, o.out().lines().count(), o.out());
    }

    @Test
    void forwardErrorsAreOneClearLine() {
        assertError(run("forward", "--model", TINY_A, "--ids", "1,2,3", "--ids", "4,5"), "sequence 1 has 2 tokens but sequence 0 has 3");
        assertError(run("forward", "--model", TINY_A, "--ids", "1,99999"), "token id 99999");
        assertError(run("forward", "--model", TINY_A, "--ids", "1,x"), "'x' (item 1) is not a token id");
        assertError(run("forward", "--model", "/no/such/folder", "--ids", "1"), "/no/such/folder");
        assertError(run("forward", "--model", TINY_A, "--ids", "1", "--all"), "--all needs --out");
    }

    static void assertError(Cli.Result o, String needle) {
        assertTrue(o.code() != 0, "expected failure, got exit 0: " + o.out());
        String err = String.join("\n", o.errorLines());
        assertEquals(1, o.errorLines().size(), "one line on stderr: " + o.err());
        assertTrue(err.startsWith("nci: ") && err.contains(needle), "stderr '" + err.strip() + "' should mention '" + needle + "'");
    }

    /** ref [1,...] vs row p of got [B,...]; tolerance from fixtures/README.md. */
    static void compare(float[] ref, float[] got, int p, String name) {
        int off = p * ref.length;
        double max = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(ref[i] - got[off + i]);
            max = Math.max(max, d);
            if (d > 1e-4 + 1e-4 * Math.abs(ref[i]))
                throw new AssertionError(name + " (sequence " + p + ") index " + i + ": expected " + ref[i] + ", got " + got[off + i]
                        + " (|diff| " + d + ")");
        }
    }

    static Long[] box(long[] a) {
        Long[] b = new Long[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }
}
