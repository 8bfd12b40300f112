package nci.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code nci run}: the worked example, a dataset file, and every kind of bad file (each error names its field). */
class RunCommandTest {

    static final Path EXAMPLE = Cli.root().resolve("examples/induction.json");
    static final String MAT = "The cat sat on the mat. The cat sat on the";

    @TempDir
    Path tmp;

    @Test
    void workedExample() throws Exception {
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("run", EXAMPLE.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.describe());
        JsonNode res = Cli.json(out.resolve("results.json"));
        assertEquals(2, res.get("pairs").size());
        // Series: p(t0), p(t1), logit_diff, kl.
        assertEquals(4, res.get("series").size());
        for (JsonNode p : res.get("pairs")) {
            String name = p.get("name").asText();
            assertEquals(0.0, p.get("clean_run").get(3).asDouble(), 1e-12, name + ": KL(clean||clean) = 0");
            assertTrue(p.get("counterfactual_run").get(3).asDouble() > 1, name + ": KL(clean||counterfactual) is large");
            assertTrue(p.get("clean_run").get(2).asDouble() > 30, name + ": logit(mat) - logit(other) on the clean run");
            JsonNode exps = p.get("experiments");
            assertEquals(6, exps.size());
            double key = exps.get(2).get("runs").get(0).get("values").get(0).asDouble();
            double value = exps.get(3).get("runs").get(0).get("values").get(0).asDouble();
            double direct = exps.get(4).get("runs").get(0).get("values").get(0).asDouble();
            double rules = exps.get(5).get("runs").get(0).get("values").get(0).asDouble();
            // The induction head's direct effect carries the whole behaviour in both pairs.
            assertTrue(direct < 1e-6, name + ": a1.head1 -> final sends p(mat) to ~0, got " + direct);
            // The previous-token head's output reaches the induction head through its key, never its value.
            assertEquals(1.0, value, 1e-6, name + ": a0.head2 -> a1.head1.v has no effect");
            if (name.equals("the/a")) {
                assertTrue(key < 1e-6, "the/a: a0.head2 -> a1.head1.k breaks the match, got " + key);
                assertEquals(1.0, rules, 1e-6, "the/a: the value of a1.head1 reads the same token");
            } else {
                assertEquals(1.0, key, 1e-6, "mat/rug: the key at the match is the same in both prompts");
                assertTrue(rules < 1e-6, "mat/rug: the value of a1.head1 carries the copied token, got " + rules);
            }
            String g = exps.get(5).get("runs").get(0).get("graph").asText();
            assertTrue(g.startsWith("ln_final(f1(a1(a1.resid(") && g.contains("a1.head1("), g);
        }
        for (String f : List.of("report.html", "results.csv", "experiment.json",
                "p0-mat-rug.e2-a0-head2-a1-head1-k.graph.dot", "p1-the-a.e5-value-of-a1-head1.graph.dot",
                "p1-the-a.e1-heads.s3-kl.svg", "p1-the-a.e1-heads.s3-kl.png", "p0-mat-rug.e0-attention-x-position.s2-logit_diff.png"))
            assertTrue(Files.exists(out.resolve(f)), f);
        assertTrue(r.out().contains("the/a, heads: p(\" mat\") is carried by a0.head2"), r.out());
    }

    @Test
    void datasetFileAndOutRelativeToTheExperimentFile() throws Exception {
        Files.writeString(tmp.resolve("pairs.jsonl"), """
                {"clean": "The cat sat on the mat. The cat sat on the", "counterfactual": "The cat sat on the rug. The cat sat on the", "targets": [" mat", " rug"]}

                {"clean": "The dog sat on the mat. The dog sat on the", "counterfactual": "The dog sat on the rug. The dog sat on the", "targets": [" mat", " rug"]}
                """, StandardCharsets.UTF_8);
        Files.createSymbolicLink(tmp.resolve("m"), Cli.root().resolve("models/induction-2l-compiled"));
        Path exp = tmp.resolve("exp.json");
        Files.writeString(exp, """
                {"model": "m", "dataset": "pairs.jsonl", "experiments": [{"type": "heads", "layers": [1]}], "out": "o"}
                """, StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", exp.toString());
        assertEquals(0, r.code(), r.describe());
        JsonNode res = Cli.json(tmp.resolve("o/results.json"));
        assertEquals(2, res.get("pairs").size());
        for (JsonNode p : res.get("pairs")) {
            JsonNode runs = p.get("experiments").get(0).get("runs");
            assertEquals(4, runs.size(), "layer 1 only");
            for (int h = 0; h < 4; h++)
                assertEquals(h == 1 ? 0.0 : 1.0, runs.get(h).get("values").get(0).asDouble(), 1e-6, p.get("name") + " a1.head" + h);
        }

        // experiment.json runs again from anywhere: model folder and dataset absolute, out left to --out
        Path copy = tmp.resolve("o/experiment.json");
        JsonNode spec = Cli.json(copy);
        assertEquals(tmp.resolve("m").toString(), spec.get("model").asText());
        assertEquals(tmp.resolve("pairs.jsonl").toString(), spec.get("dataset").asText());
        assertFalse(spec.has("out"), spec.toString());
        assertEquals(spec, res.get("spec"));
        assertEquals(List.of("nci: experiment.json: out: missing (give 'out' in the file or --out DIR)"), Cli.run("run", copy.toString()).errorLines());
        Cli.Result again = Cli.run("run", copy.toString(), "--out", tmp.resolve("o2").toString());
        assertEquals(0, again.code(), again.describe());
        assertEquals(Files.readString(tmp.resolve("o/results.csv")), Files.readString(tmp.resolve("o2/results.csv")));
    }

    /**
     * More pairs than the report shows one by one: heatmaps of the mean over pairs, labelled by target index when the
     * pairs' targets differ (they were labelled with pair 0's token). A study written over an earlier one's folder
     * removes the files that study wrote and this one does not, and leaves files nci did not write.
     */
    @Test
    void meanHeatmapsAndAStudyWrittenOverAnother() throws Exception {
        ObjectNode o = base();
        ArrayNode pairs = (ArrayNode) o.get("pairs");
        String[][] rows = {{"The dog sat on the mat. The dog sat on the", " mat", " rug"}, {"The cat sat on the rug. The cat sat on the", " rug", " mat"},
                {"The cat lay on the mat. The cat lay on the", " mat", " rug"}, {"The cat sat on the mat. The cat sat on the", " mat", " rug"}};
        for (String[] r : rows) {
            ObjectNode p = pairs.addObject().put("clean", r[0]).put("counterfactual", r[0].replace(r[1].strip(), "hat"));
            p.putArray("targets").add(r[1]).add(r[2]);
        }
        Path f = tmp.resolve("study.json"), out = tmp.resolve("out");
        Files.writeString(f, o.toString(), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", f.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.describe());
        assertTrue(Files.isRegularFile(out.resolve("mean.e0-e0-heads.s0-p-target0.svg")), names(out).toString());
        assertTrue(Files.readString(out.resolve("mean.e0-e0-heads.s0-p-target0.svg")).contains("p(target 0) (mean over 5 pairs)"));
        List<String> first = names(out);

        Files.writeString(out.resolve("notes.txt"), "mine");
        ObjectNode two = base();
        ((ArrayNode) two.get("experiments")).remove(1);                     // heads only
        Files.writeString(f, two.toString(), StandardCharsets.UTF_8);
        r = Cli.run("run", f.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.describe());
        List<String> written = new java.util.ArrayList<>();
        Cli.json(out.resolve("results.json")).get("files").forEach(n -> written.add(n.asText()));
        List<String> now = names(out);
        assertTrue(now.contains("notes.txt"), now.toString());
        now.remove("notes.txt");
        assertEquals(written.stream().sorted().toList(), now, "only the second study's files (and notes.txt) are left");
        assertTrue(first.stream().filter(n -> n.startsWith("mean.")).count() == 8 && now.stream().noneMatch(n -> n.startsWith("mean.")),
                first + " then " + now);
    }

    /** Over pairs of different lengths, a mean heatmap's title says that each column averages the pairs that reach it. */
    @Test
    void meanHeatmapOverPairsOfDifferentLengths() throws Exception {
        ObjectNode o = base();
        ArrayNode pairs = (ArrayNode) o.get("pairs");
        for (String clean : List.of("The cat sat on the mat. The cat sat on the", "A cat sat on the mat. A cat sat on the",
                "The cat sat. The cat", "The cat sat on the mat and the rug. The cat sat on the mat and the"))
            pairs.addObject().put("clean", clean).put("counterfactual", clean.replaceFirst("cat", "dog")).putArray("targets").add(" mat").add(" rug");
        ((ArrayNode) o.get("experiments")).remove(0);                       // node_position only
        Path f = tmp.resolve("study.json"), out = tmp.resolve("out");
        Files.writeString(f, o.toString(), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", f.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.describe());
        String svg = Files.readString(out.resolve("mean.e0-e0-node_position.s0-p-mat.svg"));
        assertTrue(svg.contains("(mean over the pairs long enough for each position, of 5 pairs)"), svg.substring(0, Math.min(600, svg.length())));
    }

    private static List<String> names(Path dir) throws java.io.IOException {
        return new java.util.ArrayList<>(list(dir).stream().map(p -> p.getFileName().toString()).toList());
    }

    /** A relative model folder is read relative to the experiment file, never the working directory; errors name the field. */
    @Test
    void modelFolderRelativeToTheExperimentFile() throws Exception {
        Path exp = tmp.resolve("exp.json");
        ObjectNode o = base().put("model", "no-such-model-folder").put("out", "o");
        Files.writeString(exp, o.toString(), StandardCharsets.UTF_8);
        List<String> lines = Cli.run("run", exp.toString()).errorLines();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.getFirst().startsWith("nci: exp.json: model: cannot find model 'no-such-model-folder': no folder "
                + tmp.resolve("no-such-model-folder")), lines.getFirst());
    }

    /**
     * Series read at positions before the last: the runs leave out only the final layer's rows before the first of
     * them, so the unpatched runs' values equal those of a plain forward at every position read.
     */
    @Test
    void seriesAtEarlierPositionsReadComputedRows() throws Exception {
        ObjectNode o = base();
        o.putArray("metrics").addObject().put("type", "logit").putArray("positions").add(5).add(-1);
        Path exp = tmp.resolve("positions.json");
        Files.writeString(exp, o.put("out", "o").toString(), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", exp.toString());
        assertEquals(0, r.code(), r.describe());
        JsonNode pair = Cli.json(tmp.resolve("o/results.json")).get("pairs").get(0);
        try (nci.tools.study.ModelSession s = nci.tools.study.ModelSession.open(Cli.root().resolve("models/induction-2l-compiled"), false)) {
            String[] texts = {MAT, "The cat sat on the rug. The cat sat on the"};
            int[] targets = {s.singleToken(" mat", "t"), s.singleToken(" rug", "t")};
            for (int k = 0; k < 2; k++) {
                int[] ids = s.encode(texts[k], "text");
                int T = ids.length, V = s.config().vocabSize();
                float[] logits = s.model().forward(new int[][] {ids}, false, true).logits();        // [T, V]
                JsonNode got = pair.get(k == 0 ? "clean_run" : "counterfactual_run");
                for (int t = 0; t < 2; t++) {
                    double want = (logits[5 * V + targets[t]] + (double) logits[(T - 1) * V + targets[t]]) / 2;
                    assertEquals(want, got.get(t).asDouble(), 1e-5 * Math.max(1, Math.abs(want)), "input " + k + ", target " + t);
                }
            }
        }
        for (JsonNode e : pair.get("experiments"))
            for (JsonNode run : e.get("runs"))
                for (JsonNode v : run.get("values")) assertTrue(Double.isFinite(v.asDouble()), e.get("name") + ": " + run);
    }

    /** results.json's series say which tokens a logit_diff compares when they are given (else the pairs' first two targets). */
    @Test
    void seriesNameTheTokensOfAnExplicitLogitDiff() throws Exception {
        ObjectNode o = base();
        var ms = o.putArray("metrics");
        ms.add("logit_diff");
        ms.addObject().put("type", "logit_diff").putArray("tokens").add(" rug").add(2603);
        Path f = tmp.resolve("study.json"), out = tmp.resolve("out");
        Files.writeString(f, o.toString(), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", f.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.describe());
        JsonNode series = Cli.json(out.resolve("results.json")).get("series");
        assertEquals(2, series.size(), series.toString());
        assertFalse(series.get(0).has("tokens"), series.toString());
        assertEquals(Cli.JSON.readTree("[{\"token\": \" rug\", \"id\": 14477}, {\"token\": \" mat\", \"id\": 2603}]"),
                series.get(1).get("tokens"));
    }

    static ObjectNode base() {
        ObjectNode o = Cli.JSON.createObjectNode();
        ObjectNode p = o.putArray("pairs").addObject().put("clean", MAT).put("counterfactual", "The cat sat on the rug. The cat sat on the");
        p.putArray("targets").add(" mat").add(" rug");
        ArrayNode es = o.putArray("experiments");
        es.addObject().put("type", "heads");
        es.addObject().put("type", "node_position");
        return o;
    }

    static Arguments bad(String what, String field, Consumer<ObjectNode> edit) {
        return Arguments.of(what, field, edit);
    }

    static ObjectNode exp(ObjectNode o, int i) {
        ArrayNode es = (ArrayNode) o.get("experiments");
        while (es.size() <= i) es.addObject().put("type", "heads");
        return (ObjectNode) es.get(i);
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                bad("unknown top-level field", "outt: unknown field", o -> o.put("outt", "x")),
                bad("unknown experiment field", "experiments[1].node: unknown field", o -> exp(o, 1).put("node", "a1")),
                bad("unknown node", "experiments[1].nodes[0]: unknown node 'a9'", o -> exp(o, 1).putArray("nodes").add("a9")),
                bad("not a node", "experiments[1].nodes[1]: unknown node name 'x1'", o -> exp(o, 1).putArray("nodes").add("a1").add("x1")),
                bad("position out of range", "experiments[1].positions[1]: position 12 out of range",
                        o -> exp(o, 1).putArray("positions").add(3).add(12)),
                bad("different token lengths", "pairs[0]: clean has 12 tokens, counterfactual has 13",
                        o -> ((ObjectNode) o.get("pairs").get(0)).put("counterfactual", "The cat sat on the big rug. The cat sat on the")),
                bad("input index with no input", "experiments[2].which.rules[0].input: input 2 does not exist", o -> {
                    ObjectNode e = exp(o, 2).put("type", "patch");
                    e.putArray("branch").addObject().put("at", "a1").put("value", true);
                    e.putObject("which").put("default", 0).putArray("rules").addObject().put("if_in_path", "a1").put("input", 2);
                }),
                bad("rule position out of range", "experiments[2].which.rules[0].if_in_path: node 'a1.head.pos12': position 12 out of range", o -> {
                    ObjectNode e = exp(o, 2).put("type", "patch");
                    e.putObject("which").put("default", 0).putArray("rules").addObject().put("if_in_path", "a1.head.pos12").put("input", 1);
                }),
                bad("bad branch value", "experiments[2].branch[0].value: bad value", o -> {
                    ObjectNode e = exp(o, 2).put("type", "patch");
                    e.putArray("branch").addObject().put("at", "a1").put("value", "rows");
                }),
                bad("unknown experiment type", "experiments[0].type: expected one of", o -> exp(o, 0).put("type", "neurons")),
                bad("sender above receiver", "experiments[2].sender: 'a1.head1' (layer 1) must be below the receiver 'a0.head2.q'",
                        o -> exp(o, 2).put("type", "path").put("sender", "a1.head1").put("receiver", "a0.head2.q")),
                bad("sender not a name", "experiments[2].sender: expected a node name (aN.headH or fN), got 5",
                        o -> exp(o, 2).put("type", "path").put("sender", 5).put("receiver", "a1.head1.k")),
                bad("bad receiver", "experiments[2].receiver: 'a1.head1' cannot be a receiver",
                        o -> exp(o, 2).put("type", "path").put("sender", "a0.head1").put("receiver", "a1.head1")),
                bad("heads layer out of range", "experiments[0].layers[0]: layer 2 out of range", o -> exp(o, 0).putArray("layers").add(2)),
                bad("multi-token target", "pairs[0].targets[1]: \" rug rug\" is 2 tokens",
                        o -> ((ArrayNode) o.get("pairs").get(0).get("targets")).set(1, Cli.JSON.getNodeFactory().textNode(" rug rug"))),
                bad("unknown metric", "metrics[0].type: expected one of", o -> o.putArray("metrics").add("accuracy")),
                bad("metric position out of range", "metrics[1].positions[0]: position 12 out of range for pairs[0]",
                        o -> o.putArray("metrics").add("prob").addObject().put("type", "kl").putArray("positions").add(12)),
                bad("missing dataset", "dataset: no such file", o -> { o.remove("pairs"); o.put("dataset", "nope.jsonl"); }),
                bad("pairs and dataset", "pairs: give either", o -> o.put("dataset", "x.jsonl")),
                bad("token id out of vocabulary", "pairs[0].clean[1]: expected a token id in [0, 50257)",
                        o -> ((ObjectNode) o.get("pairs").get(0)).putArray("clean").add(464).add(99999)),
                bad("no targets", "pairs[0].targets: missing", o -> ((ObjectNode) o.get("pairs").get(0)).remove("targets")),
                // Given twice, each would count twice (or make the default logit_diff 0 everywhere).
                bad("target twice", "pairs[0].targets[1]: the same token as pairs[0].targets[0] (\" mat\", id 2603); each target must be a different token",
                        o -> ((ArrayNode) o.get("pairs").get(0).get("targets")).set(1, Cli.JSON.getNodeFactory().textNode(" mat"))),
                bad("target as text and id", "targets[1]: the same token as targets[0] (\" mat\", id 2603)", o -> {
                    ((ObjectNode) o.get("pairs").get(0)).remove("targets");
                    o.putArray("targets").add(" mat").add(2603);
                }),
                bad("logit_diff token twice", "metrics[0].tokens[1]: the same token as metrics[0].tokens[0] (\" rug\", id 14477); logit_diff needs two different tokens",
                        o -> o.putArray("metrics").addObject().put("type", "logit_diff").putArray("tokens").add(" rug").add(" rug")),
                bad("metric position twice", "metrics[0].positions[1]: position 3 repeats positions[0]",
                        o -> o.putArray("metrics").addObject().put("type", "prob").putArray("positions").add(3).add(3)),
                bad("metric position from both ends", "metrics[0].positions[1]: position 11 is positions[0] (-1) again in pairs[0] (12 tokens)",
                        o -> o.putArray("metrics").addObject().put("type", "kl").putArray("positions").add(-1).add(11)),
                bad("node twice", "experiments[1].nodes[2]: 'a1' repeats nodes[0]", o -> exp(o, 1).putArray("nodes").add("a1").add("a0").add("a1")),
                bad("sweep position twice", "experiments[1].positions[1]: position 4 repeats positions[0]",
                        o -> exp(o, 1).putArray("positions").add(4).add(4)),
                bad("layer twice", "experiments[0].layers[1]: layer 1 repeats layers[0]", o -> exp(o, 0).putArray("layers").add(1).add(1)),
                // The same metric twice repeats its series; the same name for two pairs or experiments mixes their rows.
                bad("metric twice", "metrics[2]: the same metric as metrics[0] (prob, read at the same positions in every pair); its series would repeat",
                        o -> o.putArray("metrics").add("prob").add("kl").addObject().put("type", "prob").putArray("positions").add(-1)),
                bad("logit_diff twice", "metrics[1]: the same metric as metrics[0] (logit_diff, read at the same positions of the same tokens",
                        o -> {
                            ArrayNode ms = o.putArray("metrics");
                            ms.add("logit_diff");
                            ObjectNode d = ms.addObject().put("type", "logit_diff");
                            d.putArray("tokens").add(2603).add(" rug");
                            d.putArray("positions").add(11);
                        }),
                bad("pair name twice", "pairs[1].name: \"mat\" is also the name of pairs[0]; each pair needs a name of its own", o -> {
                    ((ObjectNode) o.get("pairs").get(0)).put("name", "mat");
                    ((ArrayNode) o.get("pairs")).add(o.get("pairs").get(0).deepCopy());
                }),
                bad("pair named as another's default", "pairs[0].name: \"pair1\" is also the default name of pairs[1]", o -> {
                    ((ArrayNode) o.get("pairs")).add(o.get("pairs").get(0).deepCopy());
                    ((ObjectNode) o.get("pairs").get(0)).put("name", "pair1");
                }),
                bad("experiment named as another's default", "experiments[1].name: \"e0-heads\" is also the default name of experiments[0];"
                        + " each experiment needs a name of its own (results.csv and the report tell experiments apart by name)",
                        o -> exp(o, 1).put("name", "e0-heads")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badFileNamesItsField(String what, String message, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode o = base();
        edit.accept(o);
        Path f = tmp.resolve("bad.json"), out = tmp.resolve("out");
        Files.writeString(f, o.toString(), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", f.toString(), "--out", out.toString());
        assertEquals(1, r.code(), what + ": " + r.describe());
        List<String> lines = r.errorLines();
        assertEquals(1, lines.size(), what + ": one line, got " + lines);
        assertTrue(lines.getFirst().startsWith("nci: bad.json: " + message), what + ": expected 'nci: bad.json: " + message + "...', got " + lines.getFirst());
        assertFalse(Files.exists(out), what + ": nothing may be written");
    }

    @Test
    void syntaxErrorNamesLineAndColumn() throws Exception {
        Path f = tmp.resolve("broken.json");
        Files.writeString(f, "{\n  \"pairs\": [\n  }\n", StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", f.toString());
        assertEquals(1, r.code(), r.describe());
        assertEquals(List.of("nci: " + f + ": line 3, column 3: not valid JSON: Unexpected close marker '}': expected ']' "
                + "(for Array starting at line 2, column 12)"), r.errorLines());
    }

    /**
     * JSON that a lenient reader would half-accept: content after the object, a key given twice (the last would win
     * silently), a non-standard number, bytes that are not UTF-8. Each is one line naming the file, line and column,
     * in words (no parser feature names), and nothing runs.
     */
    static Stream<Arguments> strictJson() {
        String ok = base().put("out", "o").toPrettyString();          // 20-odd lines, ends with "}"
        int lines = (int) ok.lines().count();
        String twice = ok.replace("\"experiments\"", "\"metrics\" : [ \"kl\" ],\n  \"metrics\" : [ \"prob\" ],\n  \"experiments\"");
        int dupLine = (int) twice.substring(0, twice.indexOf("\"metrics\" : [ \"prob")).lines().count();
        return Stream.of(
                Arguments.of("text after the object", ok + " garbage", "line " + lines + ", column 3: not valid JSON: unexpected content after the JSON value"),
                Arguments.of("a second close brace", ok + "}", "line " + lines + ", column 2: not valid JSON: unexpected content after the JSON value"),
                Arguments.of("two objects", ok + "\n{}", "line " + (lines + 1) + ", column 1: not valid JSON: unexpected content after the JSON value"),
                // The parser's place is just after the key or token: '  "metrics"' is 11 characters, '  "out" : NaN' 13.
                Arguments.of("a key twice", twice, "line " + dupLine + ", column 12: not valid JSON: duplicate key 'metrics'"),
                Arguments.of("NaN", ok.replace("\"out\" : \"o\"", "\"out\" : NaN"), "line " + (lines - 1) + ", column 14: not valid JSON: Non-standard token 'NaN'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strictJson")
    void strictJsonNamesLineAndColumn(String what, String text, String message) throws Exception {
        Path f = tmp.resolve("strict.json");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", f.toString());
        assertEquals(1, r.code(), what + ": " + r.describe());
        assertEquals(List.of("nci: " + f + ": " + message), r.errorLines(), what);
        assertFalse(Files.exists(tmp.resolve("o")), what + ": nothing may be written");
    }

    @Test
    void invalidUtf8NamesFileLineAndColumn() throws Exception {
        Path f = tmp.resolve("latin1.json");
        byte[] text = base().put("description", "caf\u00e9").put("out", "o").toPrettyString().getBytes(StandardCharsets.ISO_8859_1);
        Files.write(f, text);
        Cli.Result r = Cli.run("run", f.toString());
        assertEquals(1, r.code(), r.describe());
        String pretty = new String(text, StandardCharsets.ISO_8859_1);
        String before = pretty.substring(0, pretty.indexOf('\u00e9'));
        int line = (int) before.chars().filter(c -> c == '\n').count() + 1, column = before.length() - before.lastIndexOf('\n');
        assertEquals(List.of("nci: " + f + ": line " + line + ", column " + column + ": not valid UTF-8 (byte 0xe9); save the file as UTF-8"),
                r.errorLines());
    }

    @Test
    void datasetLinesAreStrictToo() throws Exception {
        String pair = "{\"clean\": \"" + MAT + "\", \"counterfactual\": \"The cat sat on the rug. The cat sat on the\", \"targets\": [\" mat\", \" rug\"]}";
        Path exp = tmp.resolve("exp.json");
        Files.writeString(exp, "{\"dataset\": \"pairs.jsonl\", \"experiments\": [{\"type\": \"heads\"}], \"out\": \"o\"}", StandardCharsets.UTF_8);

        Files.writeString(tmp.resolve("pairs.jsonl"), pair + "\n" + pair + " " + pair + "\n", StandardCharsets.UTF_8);
        Cli.Result two = Cli.run("run", exp.toString());
        assertEquals(List.of("nci: exp.json: dataset[1] (pairs.jsonl line 2, column " + (pair.length() + 2)
                + "): not valid JSON: unexpected content after the JSON value (one pair per line)"), two.errorLines(), two.describe());

        Files.writeString(tmp.resolve("pairs.jsonl"), pair.replace("\"targets\"", "\"clean\": \"x\", \"targets\""), StandardCharsets.UTF_8);
        Cli.Result dup = Cli.run("run", exp.toString());
        assertTrue(dup.errorLines().size() == 1 && dup.errorLines().getFirst().startsWith("nci: exp.json: dataset[0] (pairs.jsonl line 1, column ")
                && dup.errorLines().getFirst().endsWith("): not valid JSON: duplicate key 'clean'"), dup.describe());

        Files.write(tmp.resolve("pairs.jsonl"), (pair + "\n\n" + pair.replace("rug. The", "rug\u00e9 The") + "\n").getBytes(StandardCharsets.ISO_8859_1));
        Cli.Result latin1 = Cli.run("run", exp.toString());
        assertEquals(List.of("nci: exp.json: dataset: " + tmp.resolve("pairs.jsonl") + ": line 3, column " + (pair.indexOf("rug. The") + 4)
                + ": not valid UTF-8 (byte 0xe9); save the file as UTF-8"), latin1.errorLines(), latin1.describe());

        Files.writeString(exp, "{\"dataset\": \".\", \"experiments\": [{\"type\": \"heads\"}], \"out\": \"o\"}", StandardCharsets.UTF_8);
        Cli.Result folder = Cli.run("run", exp.toString());
        assertEquals(List.of("nci: exp.json: dataset: " + tmp.resolve(".") + " is a folder, not a JSONL file"), folder.errorLines(), folder.describe());
        assertFalse(Files.exists(tmp.resolve("o")), "nothing may be written");
    }

    /** A bad output folder is found before the model's digest or any experiment, and named. */
    @Test
    void outputFolderIsCheckedFirst() throws Exception {
        Path afile = Files.writeString(tmp.resolve("afile"), "", StandardCharsets.UTF_8);
        Path f = tmp.resolve("study.json");
        Files.writeString(f, base().toString(), StandardCharsets.UTF_8);
        for (String[] c : new String[][] {
                {afile.toString(), "nci: --out " + afile + ": exists and is not a folder"},
                {afile.resolve("sub").toString(), "nci: --out " + afile.resolve("sub") + ": cannot create it: " + afile + " is not a folder"},
                {"", "nci: --out: empty (give a folder)"}}) {
            Cli.Result r = Cli.run("run", f.toString(), "--out", c[0]);
            assertEquals(1, r.code(), r.describe());
            assertEquals(List.of(c[1]), r.errorLines(), c[0]);
            assertFalse(r.err().contains("nci: study:"), "no experiment ran: " + r.err());
        }
        Files.writeString(f, base().put("out", "").toString(), StandardCharsets.UTF_8);
        assertEquals(List.of("nci: study.json: out: empty (give a folder, relative to the experiment file)"), Cli.run("run", f.toString()).errorLines());
        Files.writeString(f, base().put("out", "afile").toString(), StandardCharsets.UTF_8);
        assertEquals(List.of("nci: study.json: out " + afile + ": exists and is not a folder"), Cli.run("run", f.toString()).errorLines());
        assertEquals(List.of(afile, f), list(tmp), "nothing written");
    }

    /** An output folder holding the experiment file under a name the study writes would overwrite it. */
    @Test
    void neverOverwritesTheExperimentFile() throws Exception {
        String text = base().put("out", ".").toString();
        for (String name : List.of("experiment.json", "results.json")) {
            Path f = tmp.resolve(name);
            Files.writeString(f, text, StandardCharsets.UTF_8);
            Cli.Result r = Cli.run("run", f.toString());
            assertEquals(List.of("nci: " + name + ": out " + tmp.resolve(".") + ": the study writes " + name
                    + " there, which would overwrite the experiment file; choose another folder"), r.errorLines(), r.describe());
            Cli.Result flag = Cli.run("run", f.toString(), "--out", tmp.toString());
            assertEquals(List.of("nci: --out " + tmp + ": the study writes " + name
                    + " there, which would overwrite the experiment file; choose another folder"), flag.errorLines(), flag.describe());
            assertEquals(text, Files.readString(f));
            Files.delete(f);
        }
        assertEquals(List.of(), list(tmp));
    }

    static List<Path> list(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) { return s.sorted().toList(); }
    }

    /** Without tokenizer files a text is refused by field, and token ids (which run takes) are suggested. */
    @Test
    void textsNeedTheModelsTokenizer() throws Exception {
        Path bare = TestModels.withoutTokenizer(tmp.resolve("bare"));
        Path f = tmp.resolve("bare.json");
        Files.writeString(f, base().put("model", "bare").put("out", "o").toString(), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", f.toString());
        assertEquals(List.of("nci: bare.json: pairs[0].clean: a text needs a tokenizer, but " + bare
                + " has no vocab.json/merges.txt (give token ids instead)"), r.errorLines(), r.describe());
    }

    @Test
    void outIsRequiredSomewhere() throws Exception {
        Path f = tmp.resolve("noout.json");
        Files.writeString(f, base().toString(), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("run", f.toString());
        assertEquals(1, r.code(), r.describe());
        assertTrue(r.err().startsWith("nci: noout.json: out: missing"), r.err());
    }
}
