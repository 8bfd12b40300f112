package nci.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import nci.gpt2.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code nci patch}: fixture cases reproduced through the CLI, both output formats, and every rejection. */
class PatchCommandTest {

    static final JsonNode CASES = Cli.json(Cli.fixtures().resolve("cases/tiny-a.cases.json"));
    static final Map<String, float[]> TENSORS = Cli.tensors(Cli.fixtures().resolve("cases/tiny-a.cases.safetensors"));

    @TempDir
    Path tmp;

    /** Every case whose rules name only nodes of tiny-a (4 heads); see {@link #seedRuleOnMissingHeadIsRejected}. */
    static Stream<String> caseIds() {
        return Stream.iterate(0, i -> i + 1).limit(CASES.get("cases").size()).map(i -> CASES.get("cases").get(i))
                .filter(c -> !namesMissingHead(c)).map(c -> c.get("id").asText());
    }

    static boolean namesMissingHead(JsonNode c) {
        var m = java.util.regex.Pattern.compile("\\.head([0-9]+)").matcher(c.get("branch").toString() + c.get("which"));
        while (m.find()) if (Integer.parseInt(m.group(1)) >= 4) return true;
        return false;
    }

    /**
     * The seed's test_attn_heads names a1.head5, which a 4-head model does not have (in the seed the rule just
     * never matches). nci treats a node the model does not have as an error in the spec, naming the field.
     */
    @Test
    void seedRuleOnMissingHeadIsRejected() throws Exception {
        JsonNode c = fixtureCase("seed_attn_heads");
        assertTrue(namesMissingHead(c), "the fixture case should name a missing head");
        Path spec = tmp.resolve("spec.json"), out = tmp.resolve("out.json");
        Files.writeString(spec, spec(c, false).toString());
        Cli.Result r = Cli.run("patch", "--model", Cli.model("tiny-a").toString(), "--spec", spec.toString(), "--out", out.toString());
        assertEquals(1, r.code(), r.describe());
        assertTrue(r.err().startsWith("nci: spec.json: which.rules[0].if_in_path: ") && r.err().contains("a1.head5")
                && r.err().contains("4 heads"), r.err());
        assertFalse(Files.exists(out));
    }

    static JsonNode fixtureCase(String id) {
        for (JsonNode c : CASES.get("cases")) if (c.get("id").asText().equals(id)) return c;
        throw new IllegalArgumentException("no fixture case " + id);
    }

    /** The case as a SPEC file; inputs as token ids, or as texts when {@code texts}. */
    static ObjectNode spec(JsonNode c, boolean texts) {
        ObjectNode s = Cli.JSON.createObjectNode();
        var in = s.putArray("inputs");
        for (JsonNode i : c.get("inputs")) in.add(texts ? i.get("text") : i.get("input_ids"));
        s.set("branch", c.get("branch"));
        s.set("which", c.get("which"));
        s.putArray("targets").add(" Madrid").add(" Rome");
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseIds")
    void reproducesFixtureCase(String id) throws Exception {
        JsonNode c = fixtureCase(id);
        Path spec = tmp.resolve("spec.json"), out = tmp.resolve("out.json"), dot = tmp.resolve("graph.dot");
        Files.writeString(spec, spec(c, false).toString());
        Cli.Result r = Cli.run("patch", "--model", Cli.model("tiny-a").toString(), "--spec", spec.toString(), "--out", out.toString(),
                "--dot", dot.toString());
        assertEquals(0, r.code(), r.describe());
        JsonNode o = Cli.json(out);
        assertEquals(c.get("path").asText(), o.get("graph").asText(), id + ": graph");
        int T = c.get("input_len").asInt(), E = 32;
        JsonNode h = o.get("last_hidden_state");
        assertEquals(T, h.size(), id + ": last_hidden_state rows");
        float[] got = new float[T * E];
        for (int t = 0; t < T; t++) {
            assertEquals(E, h.get(t).size(), id + ": last_hidden_state row " + t + " width");
            for (int e = 0; e < E; e++) got[t * E + e] = (float) h.get(t).get(e).asDouble();
        }
        Cli.assertClose(id + " last_hidden_state", TENSORS.get(c.get("result_tensor").asText()), got, 1e-4, 1e-4);
        assertTrue(o.get("targets").has(" Madrid") && o.get("targets").has(" Rome"), id + ": targets " + o.get("targets"));
        double pm = o.get("targets").get(" Madrid").asDouble();
        assertTrue(pm > 0 && pm < 1, id + ": p(Madrid) = " + pm);
        assertTrue(o.get("cache").get("entries").asLong() > 0, id + ": cache entries");
        assertTrue(o.get("cache").get("misses").asLong() > 0 && o.get("cache").get("bytes").asLong() > 0, id + ": cache " + o.get("cache"));
        String d = Files.readString(dot);
        assertTrue(d.startsWith("digraph") && d.contains("ln_final") && d.contains("emb("), id + ": DOT " + d);
    }

    /** Texts instead of ids, and the safetensors output: same hidden states, logits consistent with the JSON targets. */
    @Test
    void textInputsAndSafetensorsOutput() throws Exception {
        JsonNode c = fixtureCase("seed_attn_lastpos");
        Path spec = tmp.resolve("spec.json"), out = tmp.resolve("out.safetensors"), outJson = tmp.resolve("out.json");
        Files.writeString(spec, spec(c, true).toString());
        String model = Cli.model("tiny-a").toString();
        Cli.Result r = Cli.run("patch", "--model", model, "--spec", spec.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.describe());
        assertTrue(r.out().contains("p(\" Madrid\") = "), r.out());
        assertEquals(0, Cli.run("patch", "--model", model, "--spec", spec.toString(), "--out", outJson.toString()).code());
        int T = c.get("input_len").asInt();
        try (SafeTensors st = SafeTensors.open(out)) {
            assertEquals(List.of(1L, (long) T, 32L), List.of(box(st.info("last_hidden_state").shape())), "last_hidden_state shape");
            assertEquals(List.of(50257L), List.of(box(st.info("logits_last").shape())), "logits_last shape");
            Cli.assertClose("last_hidden_state (safetensors)", TENSORS.get(c.get("result_tensor").asText()), st.floats("last_hidden_state"), 1e-4, 1e-4);
            assertEquals(c.get("path").asText(), st.metadata().get("graph"), "graph in __metadata__");
            JsonNode targets = Cli.JSON.readTree(st.metadata().get("targets"));
            assertTrue(Cli.JSON.readTree(st.metadata().get("cache")).get("entries").asLong() > 0, "cache in __metadata__");
            // p(" Madrid") (id 14708) recomputed from logits_last equals the reported one.
            float[] logits = st.floats("logits_last");
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : logits) max = Math.max(max, v);
            for (float v : logits) sum += Math.exp(v - max);
            double p = Math.exp(logits[14708] - max) / sum;
            Cli.assertRelative("p( Madrid) from logits_last", targets.get(" Madrid").asDouble(), p, 1e-6);
            Cli.assertRelative("p( Madrid) json vs safetensors", Cli.json(outJson).get("targets").get(" Madrid").asDouble(), p, 1e-6);
        }
    }

    /**
     * Distinct target ids whose text is the same (bytes 0xA1 and 0xA2, ids 94 and 95, are each only part of a UTF-8
     * character, and decode to U+FFFD) keep one key each in the output: one key for both hid a probability.
     */
    @Test
    void targetsWithTheSameTextKeepTheirOwnKeys() throws Exception {
        ObjectNode spec = spec(fixtureCase("seed_attn_lastpos"), false);
        spec.putArray("targets").add(94).add(95).add(" Rome");
        Path file = tmp.resolve("spec.json"), out = tmp.resolve("out.json");
        Files.writeString(file, spec.toString());
        Cli.Result r = Cli.run("patch", "--model", Cli.model("tiny-a").toString(), "--spec", file.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.describe());
        JsonNode targets = Cli.json(out).get("targets");
        List<String> keys = new java.util.ArrayList<>();
        targets.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("\uFFFD (id 94)", "\uFFFD (id 95)", " Rome"), keys);
        assertTrue(targets.get("\uFFFD (id 94)").asDouble() != targets.get("\uFFFD (id 95)").asDouble(), targets.toString());
        assertTrue(r.out().contains(" (id 94)\") = ") && r.out().contains(" (id 95)\") = "), r.out());
    }

    private static Long[] box(long[] a) {
        Long[] b = new Long[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }

    static Stream<Arguments> badSpecs() {
        String ok = "\"inputs\": [\"The capital of Spain is\", \"The capital of Italy is\"], ";
        return Stream.of(
                Arguments.of("different token lengths", "{\"inputs\": [\"The capital of Spain is\", \"The capital of the Italian republic is\"], "
                        + "\"which\": {\"rules\": [], \"default\": 0}}", "inputs[1]"),
                Arguments.of("which names a missing input", "{" + ok + "\"which\": {\"rules\": [{\"if_in_path\": \"a1\", \"input\": 2}], \"default\": 0}}",
                        "which.rules[0].input"),
                Arguments.of("which default missing input", "{" + ok + "\"which\": {\"rules\": [], \"default\": 5}}", "which.default"),
                Arguments.of("unknown node name", "{" + ok + "\"branch\": [{\"at\": \"a1.hed\", \"value\": true}], "
                        + "\"which\": {\"rules\": [], \"default\": 0}}", "branch[0].at"),
                Arguments.of("layer out of range", "{" + ok + "\"branch\": [{\"at\": \"a7\", \"value\": true}], "
                        + "\"which\": {\"rules\": [], \"default\": 0}}", "branch[0].at"),
                Arguments.of("unknown branch value", "{" + ok + "\"branch\": [{\"at\": \"a1\", \"value\": \"rows\"}], "
                        + "\"which\": {\"rules\": [], \"default\": 0}}", "branch[0].value"),
                Arguments.of("position out of range", "{" + ok + "\"branch\": [{\"at\": \"a1\", \"value\": true}, {\"at\": \"a1.head\", \"value\": \"positions\"}], "
                        + "\"which\": {\"rules\": [{\"if_in_path\": \"a1.head.pos5\", \"input\": 1}], \"default\": 0}}", "which.rules[0].if_in_path"),
                Arguments.of("multi-token target", "{" + ok + "\"targets\": [\" Madrid\", \" Rome is\"]}", "targets[1]"),
                Arguments.of("target twice", "{" + ok + "\"targets\": [\" Madrid\", \" Rome\", \" Madrid\"]}",
                        "targets[2]: the same token as targets[0] (id 14708); each target must be a different token"),
                Arguments.of("target as text and id", "{" + ok + "\"targets\": [14708, \" Madrid\"]}", "targets[1]: the same token as targets[0] (id 14708)"),
                Arguments.of("unknown field", "{" + ok + "\"whitch\": {}}", "whitch"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void rejectsBadSpecBeforeComputing(String what, String specText, String field) throws Exception {
        Path spec = tmp.resolve("spec.json"), out = tmp.resolve("out.json");
        Files.writeString(spec, specText, StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("patch", "--model", Cli.model("tiny-a").toString(), "--spec", spec.toString(), "--out", out.toString());
        assertEquals(1, r.code(), what + ": " + r.describe());
        List<String> lines = r.errorLines();
        assertEquals(1, lines.size(), what + ": one line on stderr, got " + lines);
        String line = lines.getFirst();
        assertTrue(line.startsWith("nci: spec.json: ") && line.contains(field), what + ": error should name " + field + ": " + line);
        assertFalse(Files.exists(out), what + ": nothing may be written");
    }

    /** The spec is read strictly: nothing after the object, no key twice, and a folder is not a spec. */
    @Test
    void rejectsSpecsALenientReaderWouldHalfAccept() throws Exception {
        String ok = "{\"inputs\": [\"The capital of Spain is\", \"The capital of Italy is\"], \"targets\": [\" Madrid\"]}";
        Path spec = tmp.resolve("spec.json"), out = tmp.resolve("out.json");
        String model = Cli.model("tiny-a").toString();
        String twice = ok.replace("\"targets\"", "\"targets\": [\" Rome\"], \"targets\"");
        int afterKey = twice.lastIndexOf("\"targets\"") + "\"targets\"".length() + 1;   // the parser's place: just after the key
        for (String[] c : new String[][] {
                {ok + " x", "line 1, column " + (ok.length() + 2) + ": not valid JSON: unexpected content after the JSON value"},
                {ok + "}", "line 1, column " + (ok.length() + 1) + ": not valid JSON: unexpected content after the JSON value"},
                {ok + ok, "line 1, column " + (ok.length() + 1) + ": not valid JSON: unexpected content after the JSON value"},
                {twice, "line 1, column " + afterKey + ": not valid JSON: duplicate key 'targets'"}}) {
            Files.writeString(spec, c[0], StandardCharsets.UTF_8);
            Cli.Result r = Cli.run("patch", "--model", model, "--spec", spec.toString(), "--out", out.toString());
            assertEquals(List.of("nci: " + spec + ": " + c[1]), r.errorLines(), c[0]);
            assertEquals(1, r.code(), r.describe());
            assertFalse(Files.exists(out), c[0] + ": nothing may be written");
        }
        Cli.Result folder = Cli.run("patch", "--model", model, "--spec", tmp.toString(), "--out", out.toString());
        assertEquals(List.of("nci: " + tmp + ": is a folder, not a file"), folder.errorLines(), folder.describe());
    }

    /** --out and --dot are checked before anything is computed: a bad --dot no longer comes after --out was written. */
    @Test
    void outputsAreCheckedFirst() throws Exception {
        Path spec = tmp.resolve("spec.json"), out = tmp.resolve("out.json"), afile = Files.writeString(tmp.resolve("afile"), "");
        Files.writeString(spec, "{\"inputs\": [\"The capital of Spain is\", \"The capital of Italy is\"]}", StandardCharsets.UTF_8);
        String model = Cli.model("tiny-a").toString();
        for (String[] c : new String[][] {
                {"--out", afile.resolve("o.json").toString(), "nci: --out " + afile.resolve("o.json") + ": folder " + afile + ": exists and is not a folder"},
                {"--dot", afile.resolve("g.dot").toString(), "nci: --dot " + afile.resolve("g.dot") + ": folder " + afile + ": exists and is not a folder"},
                {"--dot", out.toString(), "nci: --dot " + out + ": the same file as --out"},
                {"--out", spec.toString(), "nci: --out " + spec + ": the same file as --spec (it would be overwritten)"}}) {
            List<String> args = new java.util.ArrayList<>(List.of("patch", "--model", model, "--spec", spec.toString(), "--out", out.toString()));
            if (c[0].equals("--out")) args.set(6, c[1]); else args.addAll(List.of("--dot", c[1]));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(List.of(c[2]), r.errorLines(), r.describe());
            assertEquals(1, r.code());
            assertFalse(Files.exists(out), c[1] + ": nothing written");
        }
        assertTrue(Files.readString(spec).startsWith("{\"inputs\""), "the spec is intact");
        // Missing folders of both outputs are created.
        Path o2 = tmp.resolve("a/o.json"), d2 = tmp.resolve("b/c/g.dot");
        Cli.Result ok = Cli.run("patch", "--model", model, "--spec", spec.toString(), "--out", o2.toString(), "--dot", d2.toString());
        assertEquals(0, ok.code(), ok.describe());
        assertTrue(Files.readString(d2).startsWith("digraph") && Cli.json(o2).get("T").asInt() == 5, "both written");
    }

    /** Errors about a text name the field the text is in (targets were blamed on inputs). */
    @Test
    void textErrorsNameTheirField() throws Exception {
        Path spec = tmp.resolve("spec.json"), out = tmp.resolve("out.json");
        Files.writeString(spec, "{\"inputs\": [\"The capital of Spain is\"], \"targets\": [\" Madrid\", \"\"]}", StandardCharsets.UTF_8);
        Cli.Result empty = Cli.run("patch", "--model", Cli.model("tiny-a").toString(), "--spec", spec.toString(), "--out", out.toString());
        assertEquals(List.of("nci: spec.json: targets[1]: '' encodes to no tokens"), empty.errorLines(), empty.describe());

        Path bare = TestModels.withoutTokenizer(tmp.resolve("bare"));
        Files.writeString(spec, "{\"inputs\": [[464, 3139, 286, 8031, 318]], \"targets\": [14708, \" Rome\"]}", StandardCharsets.UTF_8);
        Cli.Result noTok = Cli.run("patch", "--model", bare.toString(), "--spec", spec.toString(), "--out", out.toString());
        assertEquals(List.of("nci: spec.json: targets[1]: a text target needs a tokenizer, and the model has none (give a token id)"),
                noTok.errorLines(), noTok.describe());

        Path small = TestModels.smallVocabulary(tmp.resolve("small"), 1000);
        Files.writeString(spec, "{\"inputs\": [[464, 464], \"The capital\"]}", StandardCharsets.UTF_8);
        Cli.Result vocab = Cli.run("patch", "--model", small.toString(), "--spec", spec.toString(), "--out", out.toString());
        assertEquals(List.of("nci: spec.json: inputs[1]: \"The capital\" has the token \" capital\" (id 3139), outside the model's vocabulary "
                + "of 1000 (its vocab.json does not fit the model)"), vocab.errorLines(), vocab.describe());
        assertFalse(Files.exists(out));
    }

    @Test
    void rejectsUnknownOutputFormat() {
        Cli.Result r = Cli.run("patch", "--model", Cli.model("tiny-a").toString(), "--spec", tmp.resolve("none.json").toString(),
                "--out", tmp.resolve("out.txt").toString());
        assertEquals(1, r.code(), r.describe());
        assertTrue(r.err().contains("--out") && r.err().contains(".safetensors"), r.err());
    }

    @Test
    void rejectsMissingSpecFile() {
        Cli.Result r = Cli.run("patch", "--model", Cli.model("tiny-a").toString(), "--spec", tmp.resolve("none.json").toString(),
                "--out", tmp.resolve("out.json").toString());
        assertEquals(1, r.code(), r.describe());
        assertTrue(r.err().contains("none.json") && r.err().contains("no such file"), r.err());
    }
}
