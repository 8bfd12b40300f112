package nci.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nci demo} on the embedded induction model finds exactly the circuit its README documents (computed, not
 * written in), and writes every file; on a fixture model it runs the capital-city experiment.
 */
class DemoCommandTest {

    @TempDir
    static Path tmp;

    static Cli.Result demo;
    static Path out;

    @BeforeAll
    static void runDemo() {
        out = tmp.resolve("demo");
        demo = Cli.run("demo", "--out", out.toString());
    }

    @Test
    void findsTheDocumentedHeadsAndNodes() {
        assertEquals(0, demo.code(), demo.describe());
        JsonNode results = Cli.json(out.resolve("results.json"));
        Map<String, List<String>> found = new HashMap<>();
        for (JsonNode f : results.get("findings")) {
            List<String> comps = new ArrayList<>();
            for (JsonNode c : f.get("components")) comps.add(c.get("component").asText());
            found.put(f.get("pair").asText() + " / " + f.get("experiment").asText(), comps);
            assertTrue(f.get("measurable").asBoolean(), "the counterfactual moves p( mat) measurably: " + f);
        }
        assertEquals(Map.of(
                "mat/rug / node x position", List.of("a1@5"),
                "mat/rug / heads", List.of("a1.head1"),
                "the/a / node x position", List.of("a0@4", "a1@5"),
                "the/a / heads", List.of("a0.head2", "a1.head1")), found);
        // Effect sizes: each of them takes p(" mat") from 1 to ~0.
        for (JsonNode f : results.get("findings")) {
            assertEquals(1.0, f.get("clean").asDouble(), 1e-6, "clean p( mat)");
            for (JsonNode c : f.get("components")) {
                assertEquals(-1.0, c.get("effect").asDouble(), 1e-6, "effect of " + c);
                assertEquals(1.0, c.get("fraction").asDouble(), 1e-6, "fraction of " + c);
            }
        }
        // The terminal shows the same headline, and the report's path.
        String o = demo.out();
        assertTrue(o.contains("heads: p(\" mat\") is carried by a1.head1 (1.0000 -> "), o);
        assertTrue(o.contains("heads: p(\" mat\") is carried by a0.head2 (1.0000 -> "), o);
        assertTrue(o.contains("node x position: p(\" mat\") is carried by a0@4 ("), o);
        assertTrue(o.contains("report: " + out.resolve("report.html").toAbsolutePath().normalize()), o);
    }

    @Test
    void writesEveryFile() throws Exception {
        assertEquals(0, demo.code(), demo.describe());
        for (String f : List.of("report.html", "results.json", "results.csv", "experiment.json"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        List<Path> svgs, pngs;
        try (Stream<Path> s = Files.list(out)) { svgs = s.filter(p -> p.toString().endsWith(".svg")).toList(); }
        try (Stream<Path> s = Files.list(out)) { pngs = s.filter(p -> p.toString().endsWith(".png")).toList(); }
        // 2 pairs x 2 sweeps x 2 targets, each as SVG and PNG.
        assertEquals(8, svgs.size(), "SVG heatmaps " + svgs);
        assertEquals(8, pngs.size(), "PNG heatmaps " + pngs);
        for (Path p : pngs) {
            BufferedImage img = ImageIO.read(p.toFile());
            assertNotNull(img, p + " is a PNG");
            assertTrue(img.getWidth() > 100 && img.getHeight() > 50, p + " size");
            Path svg = Path.of(p.toString().replaceAll("\\.png$", ".svg"));
            assertTrue(Files.readString(svg).startsWith("<svg"), svg + " is an SVG");
        }
        String nodeSvg = Files.readString(out.resolve("p0-mat-rug.e0-node-x-position.s0-p-mat.svg"));
        assertTrue(nodeSvg.contains("position") && nodeSvg.contains("node") && nodeSvg.contains("mat→") , "axes and token labels");
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("The cat sat on a mat. The cat sat on the") && html.contains("a1.head1") && html.contains("<svg"), "report content");

        JsonNode r = Cli.json(out.resolve("results.json"));
        assertEquals(Main.VERSION, r.get("nci_version").asText());
        assertTrue(r.get("model").get("digest").asText().matches("sha256:[0-9a-f]{64}"));
        assertTrue(r.get("model").get("folder").asText().endsWith("induction-2l-compiled"));
        assertEquals(2, r.get("spec").get("pairs").size(), "the spec is recorded");
        assertEquals(Cli.json(out.resolve("experiment.json")), r.get("spec"), "experiment.json is the spec");
        // results.csv: header + per pair (2 baselines + 48 node runs + 8 head runs) x 2 series.
        List<List<String>> csv = Cli.csv(out.resolve("results.csv"));
        assertEquals(List.of("pair", "experiment", "type", "node", "position", "metric", "at", "token", "other", "value"), csv.getFirst());
        assertEquals(1 + 2 * (2 + 48 + 8) * 2, csv.size(), "results.csv rows");
    }

    /** A bad --out is found before the demo runs, and named. */
    @Test
    void outputFolderIsCheckedFirst() throws Exception {
        Path afile = Files.writeString(tmp.resolve("afile"), "");
        Cli.Result file = Cli.run("demo", "--out", afile.toString());
        assertEquals(List.of("nci: --out " + afile + ": exists and is not a folder"), file.errorLines(), file.describe());
        Cli.Result empty = Cli.run("demo", "--out", "");
        assertEquals(List.of("nci: --out: empty (give a folder)"), empty.errorLines(), empty.describe());
        assertEquals(1, empty.code());
    }

    /** The demo's own texts are named in errors (the user wrote no 'pairs'), with no advice it cannot take. */
    @Test
    void modelsTheDemoCannotRunAreNamed() throws Exception {
        Path bare = TestModels.withoutTokenizer(tmp.resolve("bare"));
        Cli.Result noTok = Cli.run("demo", "--model", bare.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(List.of("nci: the demo's prompt \"The capital of Spain is\": a text needs a tokenizer, but " + bare
                + " has no vocab.json/merges.txt"), noTok.errorLines(), noTok.describe());
        Path small = TestModels.smallVocabulary(tmp.resolve("small"), 1000);
        Cli.Result vocab = Cli.run("demo", "--model", small.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(List.of("nci: the demo's prompt \"The capital of Spain is\": \"The capital of Spain is\" has the token \" capital\" (id 3139), "
                + "outside the model's vocabulary of 1000 (its vocab.json does not fit the model)"), vocab.errorLines(), vocab.describe());
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    /** Any other model: the original project's capital-city experiment; the clean run equals the fixture sweep's. */
    @Test
    void capitalExperimentOnAnotherModel() throws Exception {
        Path o = tmp.resolve("capital");
        Cli.Result r = Cli.run("demo", "--model", Cli.model("tiny-a").toString(), "--out", o.toString());
        assertEquals(0, r.code(), r.describe());
        assertTrue(r.out().contains("The capital of Spain is") && r.out().contains("report: "), r.out());
        JsonNode res = Cli.json(o.resolve("results.json"));
        JsonNode pair = res.get("pairs").get(0);
        assertEquals("The capital of Italy is", pair.get("counterfactual").get("text").asText());
        assertEquals(" Madrid", pair.get("targets").get(0).get("token").asText());
        assertEquals(" Rome", pair.get("targets").get(1).get("token").asText());
        JsonNode seedNone = Cli.json(Cli.fixtures().resolve("cases/tiny-a.cases.json")).get("sweep").get("runs").get(0);
        Cli.assertRelative("clean p( Madrid)", seedNone.get("probs").get(0).asDouble(), pair.get("clean_run").get(0).asDouble(), 1e-3);
        assertEquals(2 * 2 * 5, pair.get("experiments").get(0).get("runs").size(), "node x position runs: (f, a) x 2 layers x 5 positions");
        assertEquals(2 * 4, pair.get("experiments").get(1).get("runs").size(), "heads runs: 2 layers x 4 heads");
        assertTrue(Files.exists(o.resolve("report.html")));
    }
}
