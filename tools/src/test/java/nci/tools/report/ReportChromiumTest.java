package nci.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens a report in headless Chromium, offline: the page must paint (the heatmaps' colours appear in a
 * screenshot) and its images must decode (checked from inside the page by a test-only copy with a small script).
 * Skipped when no Chromium is installed.
 */
class ReportChromiumTest {
    static final int YELLOW = 0xfde725;   // probability 1 (PNG heatmap)
    static final int RED = 0xb2182b;      // +2 on the diverging scale (SVG heatmap)
    static final int BLUE = 0x2166ac;     // -2

    static Path chromium;

    @BeforeAll
    static void findChromium() {
        Path p = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(p)) p = Graphviz.findOnPath("chromium");
        if (p == null) p = Graphviz.findOnPath("chromium-browser");
        chromium = p;
    }

    /** Heatmaps first, so they are inside the 1200 × 1600 screenshot. */
    static Report report() {
        double[][] probs = {{1, 1, 1, 1}, {0, 0.25, 0.5, 1}};
        Heatmap heads = Heatmap.builder("P(IO) by head").rows("layer", List.of("0", "1"))
                .columns("head", List.of("0", "1", "2", "3")).values(probs).probability().scaleCaption("probability").build();
        return Report.builder("Chromium check <script>alert(1)</script>")
                .model("tiny-a", "fixture")
                .section(new Section("Heads", List.of(new Block.Figure(heads, Embed.PNG, "PNG embed"),
                        new Block.Figure(HeatmapTest.positionsByNodes(), Embed.SVG, "SVG embed"))))
                .clean("When Mary and John went to the store, John gave a", HeatmapTest.TOKENS)
                .finding("The page renders offline.")
                .graph("Graph", "digraph g { a -> b; }")
                .build();
    }

    @Test
    void screenshotShowsTheHeatmaps(@TempDir Path dir) throws Exception {
        assumeTrue(chromium != null, "Chromium not installed (/usr/bin/chromium or chromium on PATH): skipping browser test");
        Path page = dir.resolve("report.html");
        report().write(page);
        Path shot = dir.resolve("shot.png");
        run(dir, "--screenshot=" + shot, "--window-size=1200,1600", page.toUri().toString());
        assertTrue(Files.isRegularFile(shot) && Files.size(shot) > 0, "Chromium wrote no screenshot " + shot);
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(1200, img.getWidth(), "screenshot width");
        Set<Integer> colours = new HashSet<>();
        int yellow = 0, red = 0, blue = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (near(rgb, YELLOW)) yellow++;
                if (near(rgb, RED)) red++;
                if (near(rgb, BLUE)) blue++;
            }
        }
        String counts = "distinct colours " + colours.size() + ", yellow px " + yellow + ", red px " + red + ", blue px " + blue;
        assertTrue(colours.size() > 200, "screenshot looks blank: " + counts);
        // Five whole 34x24 cells of probability 1 in the PNG heatmap, one cell each of +2 and -2 in the SVG.
        assertTrue(yellow > 5 * 600, "PNG heatmap's yellow cells not painted: " + counts);
        assertTrue(red > 300 && blue > 300, "SVG heatmap's end colours not painted: " + counts);
    }

    @Test
    void imagesDecodeInsideThePage(@TempDir Path dir) throws Exception {
        assumeTrue(chromium != null, "Chromium not installed (/usr/bin/chromium or chromium on PATH): skipping browser test");
        String html = report().html();
        // Test-only copy: a deliberately broken image (proves the probe can see a failure) and a probe that,
        // after load, writes what it found into the DOM for --dump-dom.
        String probe = """
                <img id="control" alt="broken on purpose" src="data:image/png;base64,AAAA"/>
                <script>
                window.addEventListener('load', function () {
                  var ok = 0, total = 0, control = 'missing';
                  for (var i = 0; i < document.images.length; i++) {
                    var im = document.images[i];
                    if (im.id === 'control') { control = (im.naturalWidth > 0) ? 'decoded' : 'broken'; continue; }
                    total++;
                    if (im.complete) { if (im.naturalWidth > 0) { ok++; } }
                  }
                  var svgs = document.querySelectorAll('div.svg > svg'), sok = 0;
                  for (var j = 0; j < svgs.length; j++) {
                    var r = svgs[j].getBoundingClientRect();
                    if (r.width > 0) { if (r.height > 0) { sok++; } }
                  }
                  var out = document.createElement('pre');
                  out.id = 'nci-check';
                  out.textContent = 'img ' + ok + '/' + total + ' svg ' + sok + '/' + svgs.length + ' control ' + control;
                  document.body.appendChild(out);
                });
                </script>
                """;
        int end = html.lastIndexOf("</body>");
        Path page = dir.resolve("report-check.html");
        Files.writeString(page, html.substring(0, end) + probe + html.substring(end), StandardCharsets.UTF_8);
        String dom = run(dir, "--dump-dom", "--virtual-time-budget=10000", page.toUri().toString());
        Matcher m = Pattern.compile("<pre id=\"nci-check\">([^<]*)</pre>").matcher(dom);
        assertTrue(m.find(), "probe output not in the dumped DOM (" + dom.length() + " chars)");
        int svgs = Graphviz.onPath().available() ? 2 : 1;   // heatmap SVG (+ graph SVG when dot is installed)
        assertEquals("img 1/1 svg " + svgs + "/" + svgs + " control broken", m.group(1));
        // The escaped title is text, not a script that ran.
        assertTrue(dom.contains("Chromium check &lt;script&gt;alert(1)&lt;/script&gt;"), "title shown as text");
    }

    static boolean near(int a, int b) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) > 3) return false;
        }
        return true;
    }

    /** Runs headless Chromium offline with a fresh profile; returns its stdout. Fails after 60 s. */
    static String run(Path dir, String... args) throws Exception {
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("chromium.out"), err = dir.resolve("chromium.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("Chromium did not finish within 60 s: " + cmd);
        }
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), () -> "Chromium exit " + p.exitValue() + "; stderr tail: "
                + stderr.substring(Math.max(0, stderr.length() - 2000)));
        return Files.readString(out);
    }
}
