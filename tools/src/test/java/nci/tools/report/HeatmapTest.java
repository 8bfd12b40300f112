package nci.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class HeatmapTest {
    static final List<String> TOKENS = List.of("When", " Mary", " and", " John", " went", " to", " the", " store",
            ",", " John", " gave", " a");
    static final List<String> NODES = List.of("a0.head0", "a0.head1", "m0", "a1.head3");

    /** 12 positions × 4 nodes, diverging over [-2, 2]; (0,0) = -2, (11,3) = 2, (5,1) = 0, (3,2) empty. */
    static Heatmap positionsByNodes() {
        double[][] v = new double[12][4];
        for (int r = 0; r < 12; r++) for (int c = 0; c < 4; c++) v[r][c] = Math.sin(r * 4 + c) * 1.5;
        v[0][0] = -2;
        v[11][3] = 2;
        v[5][1] = 0;
        v[3][2] = Double.NaN;
        return Heatmap.builder("Effect <of> patching & \"friends\"").rows("position", TOKENS).columns("node", NODES)
                .values(v).scale(ColorScale.diverging(2)).scaleCaption("logit diff").cellFormat("%.2f").build();
    }

    @Test
    void svgIsWellFormedAndCarriesTitleLabelsAndLegend() {
        Heatmap h = positionsByNodes();
        String svg = h.toSvg();
        Document doc = Xml.parse(svg, "heatmap SVG");
        Element root = doc.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        Heatmap.Layout l = h.layout();
        assertEquals(Integer.toString(l.width()), root.getAttribute("width"));
        assertEquals(Integer.toString(l.height()), root.getAttribute("height"));

        Set<String> texts = texts(doc);
        assertTrue(texts.contains("Effect <of> patching & \"friends\""), "title, unescaped after parsing: " + texts);
        assertTrue(svg.contains("Effect &lt;of&gt; patching &amp; &quot;friends&quot;"), "title escaped in the source");
        for (String t : List.of("When", "\u2423Mary", "\u2423store", ",", "\u2423a", "a0.head0", "a1.head3",
                "position", "node", "logit diff", "empty", "-2", "0", "2", "-1.50", "2.00")) {
            assertTrue(texts.contains(t), "missing text '" + t + "' in " + texts);
        }
    }

    @Test
    void svgCellsHaveTheScaleColours() {
        Heatmap h = positionsByNodes();
        Document doc = Xml.parse(h.toSvg(), "heatmap SVG");
        Heatmap.Layout l = h.layout();
        assertEquals("#2166ac", fillAt(doc, l.xEdges()[0], l.yEdges()[0]), "cell (0,0) = min");
        assertEquals("#b2182b", fillAt(doc, l.xEdges()[3], l.yEdges()[11]), "cell (11,3) = max");
        assertEquals("#f7f7f7", fillAt(doc, l.xEdges()[1], l.yEdges()[5]), "cell (5,1) = 0");
        assertEquals(ColorScale.hex(HeatmapPainter.EMPTY_FILL), fillAt(doc, l.xEdges()[2], l.yEdges()[3]), "empty cell (3,2)");
        assertEquals(ColorScale.hex(ColorScale.diverging(2).rgb(h.value(7, 2))), fillAt(doc, l.xEdges()[2], l.yEdges()[7]),
                "cell (7,2)");
    }

    @Test
    void pngHasTheLayoutSizeAndCellColours(@TempDir Path dir) throws Exception {
        Heatmap h = positionsByNodes();
        Path file = dir.resolve("h.png");
        h.writePng(file);
        BufferedImage img = ImageIO.read(file.toFile());
        Heatmap.Layout l = h.layout();
        assertEquals(l.width(), img.getWidth(), "PNG width");
        assertEquals(l.height(), img.getHeight(), "PNG height");
        // Cell text sits in the middle of each cell, so sample just inside a corner of the cell as well.
        assertPixel(img, l.xEdges()[0] + 2, l.yEdges()[0] + 2, 0x2166ac, "cell (0,0) = min");
        assertPixel(img, l.xEdges()[3] + 2, l.yEdges()[11] + 2, 0xb2182b, "cell (11,3) = max");
        assertPixel(img, l.xEdges()[1] + 2, l.yEdges()[5] + 2, 0xf7f7f7, "cell (5,1) = 0");
        // The centre of a cell without text is exactly its colour.
        Heatmap plain = Heatmap.builder("plain").rows("", TOKENS).columns("", NODES).values(valuesOf(positionsByNodes()))
                .scale(ColorScale.diverging(2)).build();
        BufferedImage p = plain.toImage();
        Heatmap.Layout pl = plain.layout();
        assertPixel(p, pl.cellCenterX(0), pl.cellCenterY(0), 0x2166ac, "plain centre (0,0)");
        assertPixel(p, pl.cellCenterX(3), pl.cellCenterY(11), 0xb2182b, "plain centre (11,3)");
        assertPixel(p, pl.cellCenterX(2), pl.cellCenterY(7), ColorScale.diverging(2).rgb(plain.value(7, 2)), "plain centre (7,2)");
        // The PNG has text: many more colours than cells (antialiased glyphs).
        assertTrue(distinctColours(img) > 100, "distinct colours " + distinctColours(img));
    }

    @Test
    void svgAndPngAgreeOnSizeAndWriteFiles(@TempDir Path dir) throws Exception {
        Heatmap h = positionsByNodes();
        h.writeSvg(dir.resolve("h.svg"));
        Document doc = Xml.parse(Files.readString(dir.resolve("h.svg")), "written SVG");
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(h.toPngBytes()));
        assertEquals(doc.getDocumentElement().getAttribute("width"), Integer.toString(img.getWidth()));
        assertEquals(doc.getDocumentElement().getAttribute("height"), Integer.toString(img.getHeight()));
    }

    @Test
    void sizesAdaptToTheMatrix() {
        Heatmap small = Heatmap.builder("heads").rows("layer", List.of("0", "1")).columns("head", List.of("0", "1", "2", "3"))
                .values(new double[][] {{0.1, 0.2, 0.3, 0.4}, {0.5, 0.6, 0.7, 0.8}}).probability().build();
        Heatmap.Layout s = small.layout();
        assertTrue(s.width() < 500 && s.height() < 300, "2x4 is small: " + s.width() + "x" + s.height());

        List<String> cols = new ArrayList<>();
        for (int c = 0; c < 1024; c++) cols.add("n" + c);
        double[][] v = new double[12][1024];
        for (int r = 0; r < 12; r++) for (int c = 0; c < 1024; c++) v[r][c] = ((r * 1024 + c) % 97) / 96.0;
        Heatmap big = Heatmap.builder("neurons").rows("position", TOKENS).columns("neuron", cols).values(v).build();
        Heatmap.Layout b = big.layout();
        int gridW = b.xEdges()[1024] - b.xEdges()[0];
        assertTrue(gridW >= 1024 && gridW <= 1700, "12x1024 grid width " + gridW);
        assertTrue(b.width() < 2000 && b.height() < 700, "12x1024 image " + b.width() + "x" + b.height());
        for (int c = 0; c < 1024; c++) {
            assertTrue(b.xEdges()[c + 1] > b.xEdges()[c], "column " + c + " has at least one pixel");
        }
        BufferedImage img = big.toImage();
        assertPixel(img, b.cellCenterX(500), b.cellCenterY(6), big.scale().rgb(v[6][500]), "12x1024 cell (6,500)");
        // Not every one of 1024 column labels fits; every 10th does.
        Set<String> texts = texts(Xml.parse(big.toSvg(), "12x1024 SVG"));
        assertTrue(texts.contains("n0") && texts.contains("n10") && texts.contains("n1020"), "sparse column labels");
        assertTrue(!texts.contains("n1") && !texts.contains("n1023"), "labels that do not fit are skipped");
    }

    @Test
    void rejectsMismatchedShapesAndNamesTheHeatmap() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Heatmap.builder("effects")
                .rows("pos", List.of("a", "b")).columns("node", List.of("x")).values(new double[][] {{1}, {1, 2}}).build());
        assertTrue(e.getMessage().contains("'effects'") && e.getMessage().contains("row 1 (b)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Heatmap.builder("effects").rows("pos", List.of("a"))
                .columns("node", List.of("x")).values(new double[][] {{Double.POSITIVE_INFINITY}}).build());
        assertTrue(e.getMessage().contains("column 0 (x)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Heatmap.builder("effects").rows("pos", List.of("a"))
                .columns("node", List.of("x")).values(new double[][] {{1}}).cellFormat("%d").build());
        assertTrue(e.getMessage().contains("cellFormat"), e.getMessage());
    }

    @Test
    void valuesAreCopied() {
        double[][] v = {{0.25}};
        Heatmap h = Heatmap.builder("t").rows("", List.of("r")).columns("", List.of("c")).values(v).probability().build();
        v[0][0] = 0.9;
        h.values()[0][0] = 0.8;
        assertEquals(0.25, h.value(0, 0));
    }

    // ---- helpers ----

    static double[][] valuesOf(Heatmap h) { return h.values(); }

    static Set<String> texts(Document doc) {
        Set<String> out = new HashSet<>();
        NodeList list = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
        for (int i = 0; i < list.getLength(); i++) out.add(list.item(i).getTextContent());
        NodeList titles = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "title");
        if (titles.getLength() > 0) out.add(titles.item(0).getTextContent());
        return out;
    }

    /** The fill of the (last drawn) rect whose top-left corner is (x, y). */
    static String fillAt(Document doc, int x, int y) {
        NodeList rects = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        String fill = null;
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            if (r.getAttribute("x").equals(Integer.toString(x)) && r.getAttribute("y").equals(Integer.toString(y))) {
                fill = r.getAttribute("fill");
            }
        }
        if (fill == null) throw new AssertionError("no rect at (" + x + ", " + y + ")");
        return fill;
    }

    static void assertPixel(BufferedImage img, int x, int y, int expected, String what) {
        int actual = img.getRGB(x, y) & 0xffffff;
        assertEquals(expected, actual, () -> what + " at pixel (" + x + ", " + y + "): expected "
                + ColorScale.hex(expected) + " got " + ColorScale.hex(actual));
    }

    static int distinctColours(BufferedImage img) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) seen.add(img.getRGB(x, y));
        return seen.size();
    }
}
