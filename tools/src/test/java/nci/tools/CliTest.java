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

    /** Under the C locale the JVM hands non-ASCII argument bytes over as U+FFFD: refused, never tokenized. */
    @Test
    void argumentsTheLocaleCouldNotDecodeAreRefused() {
        String[] args = {"tokenize", "caf\uFFFD\uFFFD"};
        String m = Main.undecodedArgument(args, "ANSI_X3.4-1968");
        assertTrue(m != null && m.contains("argument 2") && m.contains("ANSI_X3.4-1968") && m.contains("LC_ALL=C.UTF-8"), m);
        assertEquals(null, Main.undecodedArgument(args, "UTF-8"), "under UTF-8 a U+FFFD was typed on purpose");
        assertEquals(null, Main.undecodedArgument(new String[] {"tokenize", "cafe"}, "ANSI_X3.4-1968"));
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

    /**
     * The first forward on a model writes its packed layer weights to the cache, silently; the next maps them and
     * prints the same bits; --no-packed-cache does neither. The cache goes where nci.cache.dir says.
     */
    @Test
    void forwardWritesThePackedCacheOnceThenMapsIt(@TempDir Path tmp) throws Exception {
        String before = System.getProperty("nci.cache.dir");
        System.setProperty("nci.cache.dir", tmp.resolve("c").toString());
        try {
            assertError(run("forward", "--model", TINY_A, "--ids", "1,99999"), "token id 99999");
            assertError(run("forward", "--model", TINY_A, "--ids", String.join(",", java.util.Collections.nCopies(65, "1"))),
                    "65 tokens exceed n_positions 64");
            assertTrue(!java.nio.file.Files.exists(tmp.resolve("c")), "a rejected batch starts no write");
            var off = forwardTo(tmp.resolve("none.safetensors"), "--no-packed-cache");
            assertEquals(0, off.code(), off.describe());
            assertEquals(List.of(), off.errorLines());
            assertTrue(!java.nio.file.Files.exists(tmp.resolve("c")), "--no-packed-cache wrote nothing");

            var first = forwardTo(tmp.resolve("first.safetensors"));
            assertEquals(0, first.code(), first.describe());
            assertEquals(List.of(), first.errorLines(), "writing the cache is silent");
            Path written;
            try (var files = java.nio.file.Files.list(tmp.resolve("c").resolve("packed"))) {
                List<Path> all = files.toList();
                assertEquals(1, all.size(), all.toString());
                written = all.get(0);
                assertTrue(written.getFileName().toString().matches("packed-[0-9a-f]{32}\\.bin"), all.toString());
            }
            java.nio.file.attribute.FileTime stamp = java.nio.file.Files.getLastModifiedTime(written);

            var second = forwardTo(tmp.resolve("second.safetensors"));
            assertEquals(0, second.code(), second.describe());
            assertEquals(List.of(), second.errorLines());
            assertEquals(stamp, java.nio.file.Files.getLastModifiedTime(written), "the second run maps the file, it does not write it again");
            try (SafeTensors a = SafeTensors.open(tmp.resolve("none.safetensors"));
                 SafeTensors b = SafeTensors.open(tmp.resolve("first.safetensors"));
                 SafeTensors c = SafeTensors.open(tmp.resolve("second.safetensors"))) {
                for (String name : List.of("last_hidden_state", "logits")) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(a.floats(name), b.floats(name), name + ", first run");
                    org.junit.jupiter.api.Assertions.assertArrayEquals(a.floats(name), c.floats(name), name + ", over the mapped packed copy");
                }
            }

            // a cache that cannot be written is reported in one line, and the forward goes on without it
            java.nio.file.Files.writeString(tmp.resolve("file"), "not a folder");
            System.setProperty("nci.cache.dir", tmp.resolve("file").toString());
            var third = forwardTo(tmp.resolve("third.safetensors"));
            assertEquals(0, third.code(), third.describe());
            assertEquals(1, third.errorLines().size(), third.describe());
            assertTrue(third.errorLines().get(0).startsWith("nci: packed weights cache " + tmp.resolve("file").resolve("packed").toAbsolutePath()
                    + " not written: "), third.describe());
        } finally {
            if (before == null) System.clearProperty("nci.cache.dir"); else System.setProperty("nci.cache.dir", before);
        }
    }

    /** A changed weight file gets a new packed copy, and the write deletes the old one, which nothing could map again. */
    @Test
    void aNewCopyReplacesTheStaleOne(@TempDir Path tmp) throws Exception {
        String before = System.getProperty("nci.cache.dir");
        System.setProperty("nci.cache.dir", tmp.resolve("c").toString());
        Path model = tmp.resolve("model"), packed = tmp.resolve("c").resolve("packed");
        java.nio.file.Files.createDirectories(model);
        for (String f : List.of("config.json", "model.safetensors", "vocab.json", "merges.txt"))
            java.nio.file.Files.copy(Path.of(TINY_A).resolve(f), model.resolve(f));
        try {
            var first = run("forward", "--model", model.toString(), "--ids", "464,3139,286", "--out", tmp.resolve("1.safetensors").toString());
            assertEquals(0, first.code(), first.describe());
            List<Path> old = list(packed);
            assertEquals(1, old.size(), old.toString());
            Path weights = model.resolve("model.safetensors");
            java.nio.file.Files.setLastModifiedTime(weights,
                    java.nio.file.attribute.FileTime.fromMillis(java.nio.file.Files.getLastModifiedTime(weights).toMillis() + 5000));
            var second = run("forward", "--model", model.toString(), "--ids", "464,3139,286", "--out", tmp.resolve("2.safetensors").toString());
            assertEquals(0, second.code(), second.describe());
            assertEquals(List.of(), second.errorLines(), "writing and pruning are silent");
            List<Path> now = list(packed);
            assertEquals(1, now.size(), now.toString());
            assertTrue(!now.equals(old), "a new copy for the changed weights, the old one deleted: " + old + " -> " + now);
        } finally {
            if (before == null) System.clearProperty("nci.cache.dir"); else System.setProperty("nci.cache.dir", before);
        }
    }

    private static List<Path> list(Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static Cli.Result forwardTo(Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("forward", "--model", TINY_A, "--ids", "464,3139,286,8031,318",
                "--ids", "1,2,3,4,5", "--out", out.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
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

    /** --top is checked before the model is loaded (a missing folder would be the error otherwise). */
    @Test
    void forwardTopMustBePositive() {
        assertError(run("forward", "--model", "/no/such/folder", "--ids", "1,2", "--top", "0"), "--top 0: expected at least 1");
        assertError(run("forward", "--model", "/no/such/folder", "--ids", "1,2", "--top", "-3"), "--top -3: expected at least 1");
        var one = run("forward", "--model", TINY_A, "--ids", "464,3139,286,8031,318", "--top", "1");
        assertEquals(0, one.code(), one.describe());
        assertEquals(2, one.out().lines().count(), one.out());
        assertTrue(one.out().startsWith("sequence 0 \"The capital of Italy is\" (5 tokens): top 1 next tokens\n"), one.out());
        assertTrue(one.out().lines().skip(1).findFirst().orElseThrow().matches(" +1\\. \" challeng\" +id 4010 +p=0\\.0606\\d*"), one.out());
        assertEquals(0, Probabilities.topK(new double[] {0.2, 0.8}, 0).length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 0}, Probabilities.topK(new double[] {0.2, 0.8}, 5));
    }

    /** --out is checked before the model loads (a missing --model folder would be the error otherwise); nothing is left behind. */
    @Test
    void forwardOutMustBeASafetensorsFileName(@TempDir Path tmp) throws Exception {
        String none = "/no/such/folder";
        assertError(run("forward", "--model", none, "--ids", "1", "--out", ""), "--out '': expected a .safetensors file name");
        assertError(run("forward", "--model", none, "--ids", "1", "--out", tmp.resolve("x.json").toString()), "x.json': expected a .safetensors file name");
        assertError(run("forward", "--model", none, "--ids", "1", "--out", tmp.resolve("x.txt").toString()), "x.txt': expected a .safetensors file name");
        assertError(run("forward", "--model", none, "--ids", "1", "--out", tmp.toString()), "': expected a .safetensors file name");
        Path folder = tmp.resolve("d.safetensors");
        java.nio.file.Files.createDirectories(folder);
        assertError(run("forward", "--model", none, "--ids", "1", "--out", folder.toString()), "--out " + folder + ": is a folder");
        Path device = tmp.resolve("null.safetensors");
        java.nio.file.Files.createSymbolicLink(device, Path.of("/dev/null"));
        assertError(run("forward", "--model", none, "--ids", "1", "--out", device.toString()), "--out " + device + ": exists and is not a regular file");
        Path file = tmp.resolve("file");
        java.nio.file.Files.writeString(file, "not a folder");
        assertError(run("forward", "--model", none, "--ids", "1", "--out", file.resolve("sub/x.safetensors").toString()),
                "--out " + file.resolve("sub/x.safetensors") + ": " + file + " is not a folder");
        // the real model: still refused, and no temporary beside the folder
        assertError(run("forward", "--model", TINY_A, "--ids", "1", "--out", folder.toString()), "is a folder");
        assertEquals(java.util.Set.of(folder, file, device), java.util.Set.copyOf(list(tmp)), "nothing written");
        assertTrue(java.nio.file.Files.isSymbolicLink(device) && list(folder).isEmpty());
    }

    /** A missing folder of --out is created, as patch does for its outputs. */
    @Test
    void forwardCreatesTheFolderOfOut(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("a/b/x.safetensors");
        var o = run("forward", "--model", TINY_A, "--ids", "464,3139,286", "--out", out.toString(), "--no-packed-cache");
        assertEquals(0, o.code(), o.describe());
        assertEquals("wrote " + out + " (last_hidden_state, logits)\n", o.out());
        try (SafeTensors st = SafeTensors.open(out)) {
            assertEquals(List.of(1L, 3L, 32L), List.of(box(st.info("last_hidden_state").shape())));
            assertEquals(3 * 50257, st.floats("logits").length);
        }
        assertEquals(List.of(out), list(out.getParent()), "no temporary left");
    }

    /** A batch past Java's array limit is refused in one line before anything is computed (it printed 'nci: -2107782656'). */
    @Test
    void forwardRefusesABatchNoArrayCanHold(@TempDir Path tmp) throws Exception {
        String ids = java.util.stream.IntStream.rangeClosed(1, 256).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
        List<String> args = new java.util.ArrayList<>(List.of("forward", "--out", tmp.resolve("x.safetensors").toString(), "--no-packed-cache"));
        for (int i = 0; i < 170; i++) args.addAll(List.of("--ids", ids));
        var o = run(args.toArray(String[]::new));
        assertEquals(1, o.code(), o.describe());
        assertEquals(List.of("nci: batch too large: logits [B, T, V] = [170, 256, 50257] would be 2187184640 floats, more than a Java array "
                + "holds (2147483639)"), o.errorLines());
        assertEquals(List.of(), list(tmp), "nothing written");
    }

    /** A batch that would not fit the heap is refused up front, with the sizes and how to raise the heap. */
    @Test
    void forwardRefusesABatchTheHeapCannotHold() throws Exception {
        try (nci.gpt2.Gpt2Model m = nci.gpt2.Gpt2Loader.load(Path.of(TINY_A))) {
            long bytes = 125L * 64 * (8 * 32 + 128 + 50257) * 4;                   // 1620512000: 1.5 GiB
            assertEquals(bytes, m.forwardFloats(125, 64, false, true) * 4);
            ForwardCommand.checkHeap(m, 125, 64, false, true, bytes, bytes);       // fits exactly
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ForwardCommand.checkHeap(m, 125, 64, false, true, 1L << 30, 3L << 29));
            assertEquals("batch too large: 125 x 64 positions need 1.5 GiB (logits [125, 64, 50257]: 1.5 GiB), more than the 1.5 GiB Java "
                    + "heap, of which large arrays can take 1.0 GiB: run fewer or shorter sequences, or give java more (NCI_JAVA_OPTS=-Xmx4g)",
                    e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ForwardCommand.checkHeap(m, 125, 64, true, false, 1L << 20, 1L << 20));
            assertEquals("batch too large: 125 x 64 positions need 29 MiB, more than the 1 MiB Java heap: run fewer or shorter sequences, "
                    + "or give java more (NCI_JAVA_OPTS=-Xmx2g)", e.getMessage());
        }
        long limit = ForwardCommand.heapForArrays();
        assertTrue(limit > 0 && limit <= Runtime.getRuntime().maxMemory(), limit + " of " + Runtime.getRuntime().maxMemory());
        assertEquals("out of memory (Java heap space) in a Java heap of at most 3.9 GiB: give java more with NCI_JAVA_OPTS=-Xmx<size>, "
                + "or ask for less", Main.outOfMemory(new OutOfMemoryError("Java heap space"), 4187000000L));
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
