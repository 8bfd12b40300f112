package nci.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nci.tools.study.Csv;
import nci.tools.study.Strings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nci sweep}: the seed's sweep reproduced on tiny-a, CSV form, target parsing, heads, subsets and rejections. */
class SweepCommandTest {

    static final JsonNode SWEEP = Cli.json(Cli.fixtures().resolve("cases/tiny-a.cases.json")).get("sweep");
    static final String SPAIN = "The capital of Spain is", ITALY = "The capital of Italy is";

    @TempDir
    Path tmp;

    static Cli.Result sweep(Path out, String... extra) {
        String[] base = {"sweep", "--model", Cli.model("tiny-a").toString(), "--clean", SPAIN, "--counterfactual", ITALY, "--out", out.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.run(args);
    }

    /**
     * The first sweep packs the copy in memory, multiplies over it and writes it while it runs, and keeps the model
     * digest beside it; the second reads both files and multiplies over the copy; a third packs B per call: the same
     * CSV to the byte.
     */
    @Test
    void aSecondSweepMapsThePackedCopyTheFirstWrote() throws Exception {
        String before = System.getProperty("nci.cache.dir");
        System.setProperty("nci.cache.dir", tmp.resolve("cache").toString());
        try {
            Cli.Result first = sweep(tmp.resolve("a"), "--targets", " Madrid, Rome");
            assertEquals(0, first.code(), first.describe());
            assertEquals(List.of(), first.errorLines(), first.describe());
            List<Path> written;
            try (var files = Files.list(tmp.resolve("cache").resolve("packed"))) {
                written = files.sorted().toList();
            }
            assertEquals(2, written.size(), written.toString());
            assertTrue(written.get(0).getFileName().toString().matches("digest-[0-9a-f]{32}\\.txt"), "the model digest: " + written);
            assertTrue(written.get(1).getFileName().toString().matches("packed-[0-9a-f]{32}\\.bin"), "the packed copy: " + written);
            var digestWhen = Files.getLastModifiedTime(written.get(0));
            var when = Files.getLastModifiedTime(written.get(1));
            Cli.Result second = sweep(tmp.resolve("b"), "--targets", " Madrid, Rome");
            assertEquals(0, second.code(), second.describe());
            assertEquals(when, Files.getLastModifiedTime(written.get(1)), "read, not written again");
            assertEquals(digestWhen, Files.getLastModifiedTime(written.get(0)), "the digest read, not written again");
            assertEquals(Files.readString(tmp.resolve("a").resolve("sweep.csv")), Files.readString(tmp.resolve("b").resolve("sweep.csv")));
            Cli.Result off = sweep(tmp.resolve("c"), "--targets", " Madrid, Rome", "--no-packed-cache");
            assertEquals(0, off.code(), off.describe());
            assertEquals(Files.readString(tmp.resolve("a").resolve("sweep.csv")), Files.readString(tmp.resolve("c").resolve("sweep.csv")));
        } finally {
            if (before == null) System.clearProperty("nci.cache.dir"); else System.setProperty("nci.cache.dir", before);
        }
    }

    /**
     * A cache folder that cannot be written: the first run still packs the copy in memory and multiplies over it, says
     * in one line that the copy was not written, and gives the CSV of a sweep that packs B per call.
     */
    @Test
    void aCacheThatCannotBeWrittenLeavesTheSweepWhole() throws Exception {
        String before = System.getProperty("nci.cache.dir");
        Path notAFolder = tmp.resolve("file");
        Files.writeString(notAFolder, "not a folder");
        System.setProperty("nci.cache.dir", notAFolder.toString());
        try {
            Cli.Result r = sweep(tmp.resolve("a"), "--targets", " Madrid, Rome");
            assertEquals(0, r.code(), r.describe());
            assertEquals(1, r.errorLines().size(), r.describe());
            assertTrue(r.errorLines().get(0).startsWith("nci: packed weights cache " + notAFolder.resolve("packed").toAbsolutePath() + " not written: "),
                    r.describe());
            Cli.Result off = sweep(tmp.resolve("b"), "--targets", " Madrid, Rome", "--no-packed-cache");
            assertEquals(0, off.code(), off.describe());
            assertEquals(Files.readString(tmp.resolve("b").resolve("sweep.csv")), Files.readString(tmp.resolve("a").resolve("sweep.csv")));
        } finally {
            if (before == null) System.clearProperty("nci.cache.dir"); else System.setProperty("nci.cache.dir", before);
        }
    }

    @Test
    void reproducesFixtureSweep() throws Exception {
        assertEquals(SPAIN, SWEEP.get("inputs").get(0).get("text").asText());
        assertEquals(ITALY, SWEEP.get("inputs").get(1).get("text").asText());
        Path out = tmp.resolve("sweep");
        Cli.Result r = sweep(out, "--targets", " Madrid, Rome");
        assertEquals(0, r.code(), r.describe());

        List<List<String>> csv = Cli.csv(out.resolve("sweep.csv"));
        assertEquals(List.of("node", "position", "token", "probability"), csv.getFirst(), "CSV header");
        JsonNode df = SWEEP.get("seed_dataframe");
        assertEquals(df.size() + 1, csv.size(), "CSV rows: header + one per (run, target) as in the seed's data frame");
        List<String> targets = List.of(" Madrid", " Rome");
        for (int i = 0; i < df.size(); i++) {
            List<String> row = csv.get(i + 1);
            JsonNode ref = df.get(i);
            String id = "CSV row " + (i + 1) + " " + row;
            assertEquals(ref.get("layer").asText(), row.get(0), id + ": node");
            assertEquals(ref.get("pos").asText(), row.get(1), id + ": position");
            assertEquals(targets.get(i % 2), row.get(2), id + ": token");
            Cli.assertRelative(id + ": probability", ref.get("prob").asDouble(), Double.parseDouble(row.get(3)), 1e-3);
        }
        // The raw file quotes tokens with a leading space, so that no reader trims them.
        assertTrue(Files.readString(out.resolve("sweep.csv")).contains("none,0,\" Madrid\","), "quoted token in CSV");

        JsonNode j = Cli.json(out.resolve("sweep.json"));
        JsonNode runs = j.get("runs");
        assertEquals(SWEEP.get("runs").size(), runs.size(), "sweep.json runs");
        for (int i = 0; i < runs.size(); i++) {
            JsonNode ref = SWEEP.get("runs").get(i), got = runs.get(i);
            assertEquals(ref.get("node").asText(), got.get("node").asText(), "run " + i + " node");
            for (int k = 0; k < 2; k++) {
                Cli.assertRelative("run " + i + " prob " + k, ref.get("probs").get(k).asDouble(), got.get("probs").get(k).asDouble(), 1e-3);
                double lr = ref.get("logits").get(k).asDouble(), lg = got.get("logits").get(k).asDouble();
                assertTrue(Math.abs(lr - lg) <= 1e-4 + 1e-4 * Math.abs(lr), "run " + i + " logit " + k + ": " + lg + " vs " + lr);
            }
        }
        assertEquals(List.of(464, 3139, 286, 8602, 318), ints(j.get("inputs").get("clean").get("ids")), "clean ids");
        assertEquals(List.of(464, 3139, 286, 8031, 318), ints(j.get("inputs").get("counterfactual").get("ids")), "counterfactual ids");
        assertEquals(14708, j.get("targets").get(0).get("id").asInt(), "Madrid id");
        assertEquals(10598, j.get("targets").get(1).get("id").asInt(), "Rome id");
        assertTrue(j.get("timing").get("load_ms").asLong() >= 0 && j.get("timing").get("sweep_ms").asLong() >= 0, "timing " + j.get("timing"));
        JsonNode cache = j.get("cache");
        assertTrue(cache.get("entries").asLong() > 0 && cache.get("hits").asLong() + cache.get("partial_hits").asLong() > 0,
                "the shared cache is used across the sweep: " + cache);
        assertTrue(j.get("model").get("digest").asText().matches("sha256:[0-9a-f]{64}"), "digest");
    }

    @Test
    void targetsAreSplitOnCommasOnlyAndKeptVerbatim() {
        assertEquals(List.of(" John", " Mary"), Strings.splitVerbatim(" John, Mary", "--targets"));
        assertEquals(List.of("John", " Mary ", " "), Strings.splitVerbatim("John, Mary , ", "--targets"));
        assertThrowsNaming("--targets", () -> Strings.splitVerbatim(" John,,Mary", "--targets"));
    }

    @Test
    void johnMaryTargetsAreTwoLeadingSpaceTokens() throws Exception {
        Path out = tmp.resolve("jm");
        Cli.Result r = sweep(out, "--targets", " John, Mary", "--nodes", "a1", "--positions", "4");
        assertEquals(0, r.code(), r.describe());
        JsonNode t = Cli.json(out.resolve("sweep.json")).get("targets");
        assertEquals(" John", t.get(0).get("token").asText());
        assertEquals(1757, t.get(0).get("id").asInt(), "GPT-2 id of ' John'");
        assertEquals(" Mary", t.get(1).get("token").asText());
        assertEquals(5335, t.get(1).get("id").asInt(), "GPT-2 id of ' Mary'");
    }

    @Test
    void multiTokenTargetIsNamed() {
        Cli.Result r = sweep(tmp.resolve("x"), "--targets", " Madrid, Romeoandjuliet");
        assertEquals(1, r.code(), r.describe());
        assertTrue(r.err().startsWith("nci: --targets item 1: \" Romeoandjuliet\" is ") && r.err().contains("exactly one token"), r.err());
        assertFalse(Files.exists(tmp.resolve("x")), "nothing written");
    }

    @Test
    void headsSweepRows() throws Exception {
        Path out = tmp.resolve("heads");
        Cli.Result r = sweep(out, "--targets", " Madrid, Rome", "--heads");
        assertEquals(0, r.code(), r.describe());
        List<List<String>> csv = Cli.csv(out.resolve("sweep.csv"));
        assertEquals(1 + (1 + 2 * 4) * 2, csv.size(), "header + (none + 2 layers x 4 heads) x 2 targets");
        assertEquals(List.of("none", "0"), csv.get(1).subList(0, 2));
        int i = 3;
        for (int l = 0; l < 2; l++)
            for (int h = 0; h < 4; h++, i += 2) {
                assertEquals(List.of("a" + l + ".head" + h, "all", " Madrid"), csv.get(i).subList(0, 3), "row " + i);
                assertEquals(List.of("a" + l + ".head" + h, "all", " Rome"), csv.get(i + 1).subList(0, 3), "row " + (i + 1));
            }
        // Patching every head of a layer is not the same as patching none: some head must move p(Madrid).
        double clean = Double.parseDouble(csv.get(1).get(3));
        boolean moved = false;
        for (int k = 3; k < csv.size(); k += 2) moved |= Math.abs(Double.parseDouble(csv.get(k).get(3)) - clean) > 1e-3 * clean;
        assertTrue(moved, "some head changes p( Madrid)");
        assertEquals("heads", Cli.json(out.resolve("sweep.json")).get("kind").asText());
    }

    /** A subset sweep gives exactly the fixture's values for those cells. */
    @Test
    void nodeAndPositionSubset() throws Exception {
        Path out = tmp.resolve("sub");
        Cli.Result r = sweep(out, "--targets", " Madrid, Rome", "--nodes", "a0, f1", "--positions", "3,4");
        assertEquals(0, r.code(), r.describe());
        JsonNode runs = Cli.json(out.resolve("sweep.json")).get("runs");
        assertEquals(1 + 2 * 2, runs.size());
        String[][] expect = {{"none", "0"}, {"a0", "3"}, {"a0", "4"}, {"f1", "3"}, {"f1", "4"}};
        for (int i = 0; i < expect.length; i++) {
            assertEquals(expect[i][0], runs.get(i).get("node").asText(), "run " + i);
            assertEquals(expect[i][1], runs.get(i).get("position").asText(), "run " + i);
            JsonNode ref = null;
            for (JsonNode x : SWEEP.get("runs"))
                if (x.get("node").asText().equals(expect[i][0]) && x.get("pos").asText().equals(expect[i][1])) ref = x;
            Cli.assertRelative("subset " + expect[i][0] + "@" + expect[i][1], ref.get("probs").get(0).asDouble(),
                    runs.get(i).get("probs").get(0).asDouble(), 1e-3);
        }
    }

    @Test
    void rejections() {
        Cli.Result lengths = Cli.run("sweep", "--model", Cli.model("tiny-a").toString(), "--clean", SPAIN,
                "--counterfactual", "The capital of the Italian republic is", "--targets", " Madrid", "--out", tmp.resolve("a").toString());
        assertEquals(1, lengths.code(), lengths.describe());
        assertTrue(lengths.err().contains("--clean has 5 tokens but --counterfactual has 7"), lengths.err());

        Cli.Result node = sweep(tmp.resolve("b"), "--targets", " Madrid", "--nodes", "a1,a9");
        assertEquals(1, node.code(), node.describe());
        assertTrue(node.err().startsWith("nci: --nodes: unknown node 'a9'"), node.err());

        Cli.Result kind = sweep(tmp.resolve("c"), "--targets", " Madrid", "--nodes", "a1.head0");
        assertEquals(1, kind.code(), kind.describe());
        assertTrue(kind.err().startsWith("nci: --nodes: 'a1.head0' cannot be swept by position"), kind.err());

        Cli.Result pos = sweep(tmp.resolve("d"), "--targets", " Madrid", "--positions", "2,5");
        assertEquals(1, pos.code(), pos.describe());
        assertTrue(pos.err().startsWith("nci: --positions: position 5 out of range"), pos.err());

        Cli.Result both = sweep(tmp.resolve("e"), "--targets", " Madrid", "--heads", "--positions", "2");
        assertEquals(1, both.code(), both.describe());
        assertTrue(both.err().contains("--heads"), both.err());
        Cli.Result target = sweep(tmp.resolve("f"), "--targets", " Madrid, Rome, Madrid");
        assertEquals(List.of("nci: --targets item 2: \" Madrid\" is the same token as item 0 \" Madrid\"; each target must be a different token"),
                target.errorLines(), target.describe());

        Cli.Result node2 = sweep(tmp.resolve("g"), "--targets", " Madrid", "--nodes", "a1, a0,a1");
        assertEquals(List.of("nci: --nodes: 'a1' is given twice"), node2.errorLines(), node2.describe());

        Cli.Result pos2 = sweep(tmp.resolve("h"), "--targets", " Madrid", "--positions", "2, 3, 2");
        assertEquals(List.of("nci: --positions: position 2 is given twice"), pos2.errorLines(), pos2.describe());
        for (String d : List.of("a", "b", "c", "d", "e", "f", "g", "h")) assertFalse(Files.exists(tmp.resolve(d)), "nothing written for " + d);
    }

    /** A bad --out is found before the sweep runs, and named. */
    @Test
    void outputFolderIsCheckedFirst() throws Exception {
        Path afile = Files.writeString(tmp.resolve("afile"), "");
        Cli.Result file = sweep(afile, "--targets", " Madrid, Rome");
        assertEquals(List.of("nci: --out " + afile + ": exists and is not a folder"), file.errorLines(), file.describe());
        Cli.Result empty = sweep(Path.of(""), "--targets", " Madrid, Rome");
        assertEquals(List.of("nci: --out: empty (give a folder)"), empty.errorLines(), empty.describe());
        assertEquals(1, empty.code());
        assertEquals("", Files.readString(afile));
    }

    /** Sweep takes texts only: errors about them name --clean, and advise nothing it cannot take (token ids). */
    @Test
    void textErrorsNameTheOption() throws Exception {
        Path small = TestModels.smallVocabulary(tmp.resolve("small"), 1000);
        Cli.Result vocab = Cli.run("sweep", "--model", small.toString(), "--clean", SPAIN, "--counterfactual", ITALY, "--targets", " Madrid",
                "--out", tmp.resolve("o").toString());
        assertEquals(List.of("nci: --clean: \"The capital of Spain is\" has the token \" capital\" (id 3139), outside the model's vocabulary "
                + "of 1000 (its vocab.json does not fit the model)"), vocab.errorLines(), vocab.describe());

        Path bare = TestModels.withoutTokenizer(tmp.resolve("bare"));
        Cli.Result noTok = Cli.run("sweep", "--model", bare.toString(), "--clean", SPAIN, "--counterfactual", ITALY, "--targets", " Madrid",
                "--out", tmp.resolve("o").toString());
        assertEquals(List.of("nci: --clean: a text needs a tokenizer, but " + bare + " has no vocab.json/merges.txt"), noTok.errorLines(), noTok.describe());
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test
    void csvQuoting() {
        assertEquals("mat", Csv.field("mat"));
        assertEquals("\" mat\"", Csv.field(" mat"));
        assertEquals("\"a,b\"", Csv.field("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", Csv.field("say \"hi\""));
        assertEquals("\"two\nlines\"", Csv.field("two\nlines"));
        assertEquals("", Csv.field(""));
    }

    private static List<Integer> ints(JsonNode a) {
        List<Integer> out = new java.util.ArrayList<>();
        for (JsonNode x : a) out.add(x.asInt());
        return out;
    }

    private static void assertThrowsNaming(String field, Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith(field), e.getMessage());
            return;
        }
        throw new AssertionError("expected an error naming " + field);
    }
}
