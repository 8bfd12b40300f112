package nci.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ReportTest {
    static final String XHTML = "http://www.w3.org/1999/xhtml";
    static final String SVG = "http://www.w3.org/2000/svg";
    static final String EVIL = "<script>alert('x')</script> & \"quotes\"";

    /** A report with everything: two prompts, findings, an inline-SVG heatmap, a PNG heatmap, a table, a graph. */
    static Report sample(Graphviz graphviz) {
        Heatmap effects = HeatmapTest.positionsByNodes();
        List<String> cols = new ArrayList<>();
        for (int c = 0; c < 1024; c++) cols.add("n" + c);
        double[][] big = new double[12][1024];
        for (int r = 0; r < 12; r++) for (int c = 0; c < 1024; c++) big[r][c] = c < 512 ? 1.0 : (r * 7 + c) % 11 / 10.0;
        Heatmap neurons = Heatmap.builder("MLP neurons").rows("position", HeatmapTest.TOKENS).columns("neuron", cols)
                .values(big).probability().scaleCaption("probability").build();
        Table table = Table.numbers("Top heads", "head", List.of("a0.head0", "a1.head3"), List.of("effect", " p"),
                new double[][] {{0.12345, 0.5}, {-1, Double.NaN}}, "%.3f");
        return Report.builder("IOI " + EVIL)
                .model("gpt2 " + EVIL, "rev-1")
                .clean("When Mary and John went to the store, John gave a " + EVIL, HeatmapTest.TOKENS)
                .counterfactual("When Mary and John went to the store, Mary gave a", HeatmapTest.TOKENS)
                .finding("Finding one " + EVIL)
                .finding("Finding two")
                .findings(new Table("summary", List.of("metric", "value"), List.of(List.of("logit diff", "3.2"))))
                .section(Section.of("Per node " + EVIL, "Paragraph " + EVIL, effects))
                .section(Section.of("Neurons", new Block.Paragraph("Wide."), new Block.Figure(neurons, Embed.AUTO, "cap " + EVIL),
                        table, new Block.Preformatted("spec:\n  a < b")))
                .graph("Computation graph", "digraph g { a -> b [label=\"<x>\"]; }")
                .graphviz(graphviz)
                .build();
    }

    @Test
    void htmlIsWellFormedAndStructured() {
        String html = sample(new Graphviz(null, Duration.ofSeconds(1))).html();
        Document doc = Xml.parse(html, "report.html");
        assertEquals("html", doc.getDocumentElement().getLocalName());
        assertEquals(XHTML, doc.getDocumentElement().getNamespaceURI());
        assertEquals("IOI " + EVIL, text(doc, "title", 0));
        assertEquals("IOI " + EVIL, text(doc, "h1", 0));
        List<String> h2 = all(doc, "h2");
        assertEquals(List.of("Prompts", "Findings", "Per node " + EVIL, "Neurons", "Computation graph"), h2);
        List<String> li = all(doc, "li");
        assertEquals(List.of("Finding one " + EVIL, "Finding two"), li);
        assertTrue(html.contains("<code>gpt2 &lt;script&gt;"), "model name escaped");
        // Tokens, with visible spaces and positions.
        assertTrue(html.contains("<span class=\"tok\"><span class=\"ti\">1</span>\u2423Mary</span>"), "token 1 shown");
        // Table of numbers: formatted, NaN as a dash, token-like labels visible.
        assertTrue(html.contains("<td>0.123</td><td>0.500</td>") && html.contains("<td>-1.000</td><td>\u2013</td>"), "number cells");
        assertTrue(html.contains("<th>\u2423p</th>"), "visible column label");
        assertTrue(html.contains("<pre>spec:\n  a &lt; b</pre>"), "preformatted escaped");
    }

    @Test
    void userStringsAreEscapedEverywhere() {
        String html = sample(new Graphviz(null, Duration.ofSeconds(1))).html();
        assertFalse(html.toLowerCase().contains("<script"), "a raw <script> tag leaked into the page");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"));
        // The one prompt containing the payload: text content round-trips exactly.
        Document doc = Xml.parse(html, "report.html");
        NodeList ps = doc.getElementsByTagNameNS(XHTML, "p");
        boolean found = false;
        for (int i = 0; i < ps.getLength(); i++) {
            Element p = (Element) ps.item(i);
            if ("prompt-text".equals(p.getAttribute("class")) && p.getTextContent().endsWith(EVIL)) found = true;
        }
        assertTrue(found, "clean prompt text shown verbatim");
    }

    @Test
    void selfContainedNoExternalResources() {
        String html = sample(new Graphviz(null, Duration.ofSeconds(1))).html();
        String lower = html.toLowerCase();
        for (String bad : List.of("src=\"http", "src='http", "href=\"http", "href='http", "url(", "@import", "<link",
                "<script", "src=\"//", "href=\"//")) {
            assertFalse(lower.contains(bad), "external resource marker '" + bad + "' in report");
        }
        // The only URLs are XML namespace names.
        Matcher m = Pattern.compile("https?://[^\"'\\s)<>]+").matcher(html);
        while (m.find()) {
            assertTrue(List.of("http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg").contains(m.group()),
                    "unexpected URL " + m.group());
        }
    }

    @Test
    void imagesAreEmbedded() throws Exception {
        String html = sample(new Graphviz(null, Duration.ofSeconds(1))).html();
        Document doc = Xml.parse(html, "report.html");
        // 12x4 heatmap inline as SVG (AUTO, 48 cells).
        NodeList svgs = doc.getElementsByTagNameNS(SVG, "svg");
        assertEquals(1, svgs.getLength(), "inline SVG heatmaps (no graph SVG without dot)");
        assertTrue(svgs.item(0).getTextContent().contains("\u2423Mary"), "inline SVG carries token labels");
        // 12x1024 heatmap as a data: PNG (AUTO, 12288 cells) that decodes to the declared size.
        NodeList imgs = doc.getElementsByTagNameNS(XHTML, "img");
        assertEquals(1, imgs.getLength());
        Element img = (Element) imgs.item(0);
        String src = img.getAttribute("src");
        assertTrue(src.startsWith("data:image/png;base64,"), src.substring(0, 40));
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(src.substring(22))));
        assertEquals(img.getAttribute("width"), Integer.toString(png.getWidth()));
        assertEquals(img.getAttribute("height"), Integer.toString(png.getHeight()));
        assertEquals("MLP neurons", img.getAttribute("alt"));
        // Graph without dot: DOT source shown and an explanation, no SVG.
        assertTrue(html.contains("digraph g { a -&gt; b [label=&quot;&lt;x&gt;&quot;]; }"), "DOT source escaped in <pre>");
        assertTrue(html.contains("was not available"), "missing-Graphviz note");
    }

    @Test
    void graphSvgIsInlinedWhenDotRuns(@TempDir Path dir) throws Exception {
        Graphviz dot = Graphviz.onPath();
        if (!dot.available()) {
            // Stand-in dot so the inlining path is tested everywhere.
            Path fake = dir.resolve("dot");
            Files.writeString(fake, "#!/bin/sh\nprintf '<?xml version=\"1.0\"?>\\n<svg xmlns=\"http://www.w3.org/2000/svg\"><g id=\"graph0\"/></svg>' > \"$3\"\n");
            fake.toFile().setExecutable(true);
            dot = new Graphviz(fake, Duration.ofSeconds(10));
        }
        Report r = sample(dot);
        assertFalse(r.graphs().getFirst().svg().isEmpty(), "graph rendered");
        String html = r.html();
        Document doc = Xml.parse(html, "report.html with graph");
        assertEquals(2, doc.getElementsByTagNameNS(SVG, "svg").getLength(), "heatmap SVG + graph SVG");
        assertFalse(html.contains("<!DOCTYPE svg"), "no DOCTYPE from dot inside the page");
        assertFalse(html.contains("was not available"));
    }

    @Test
    void writesTheFile(@TempDir Path dir) throws Exception {
        Report r = sample(new Graphviz(null, Duration.ofSeconds(1)));
        Path file = dir.resolve("report.html");
        r.write(file);
        assertEquals(r.html(), Files.readString(file));
    }

    static String text(Document doc, String tag, int i) {
        return doc.getElementsByTagNameNS(XHTML, tag).item(i).getTextContent();
    }

    static List<String> all(Document doc, String tag) {
        NodeList l = doc.getElementsByTagNameNS(XHTML, tag);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.getLength(); i++) out.add(l.item(i).getTextContent());
        return out;
    }
}
