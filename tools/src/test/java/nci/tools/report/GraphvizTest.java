package nci.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphvizTest {
    static final String DOT = "digraph g { \"a0.head5\" -> \"m1\" [label=\"q<k>\"]; m1 -> logits; }";

    @Test
    void absentExecutableGivesEmpty(@TempDir Path dir) {
        Graphviz none = new Graphviz(null, Duration.ofSeconds(5));
        assertFalse(none.available());
        assertEquals(Optional.empty(), none.toSvg(DOT));
        assertEquals(Optional.empty(), new Graphviz(dir.resolve("no-such-dot"), Duration.ofSeconds(5)).toSvg(DOT));
    }

    @Test
    void stripsPrologAndDoctypeFromOutput(@TempDir Path dir) throws Exception {
        // A stand-in for dot: "-Tsvg -o OUT IN" -> writes an SVG with prolog and DOCTYPE to OUT.
        Path fake = script(dir, "fake-dot", """
                #!/bin/sh
                printf '<?xml version="1.0"?>\\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\\n<svg xmlns="http://www.w3.org/2000/svg"><text>%s</text></svg>\\n' "$(wc -c < "$4")" > "$3"
                """);
        String svg = new Graphviz(fake, Duration.ofSeconds(10)).toSvg(DOT).orElseThrow();
        assertTrue(svg.startsWith("<svg"), svg);
        assertTrue(svg.contains("<text>" + DOT.length() + "</text>"), "the DOT source reached dot: " + svg);
        Xml.parse(svg, "graph SVG");
    }

    @Test
    void timeoutGivesEmptyAndKillsTheProcess(@TempDir Path dir) throws Exception {
        Path slow = script(dir, "slow-dot", "#!/bin/sh\nsleep 30\n");
        long t0 = System.nanoTime();
        assertEquals(Optional.empty(), new Graphviz(slow, Duration.ofMillis(500)).toSvg(DOT));
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "returned long before the 30 s sleep ended");
    }

    @Test
    void rejectedSourceIsAnErrorCarryingStderr(@TempDir Path dir) throws Exception {
        Path failing = script(dir, "bad-dot", "#!/bin/sh\necho 'syntax error in line 1 near ->' >&2\nexit 1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Graphviz(failing, Duration.ofSeconds(10)).toSvg("digraph {"));
        assertTrue(e.getMessage().contains("syntax error in line 1") && e.getMessage().contains("exit 1"), e.getMessage());
    }

    @Test
    void realDotWhenInstalled() {
        Graphviz g = Graphviz.onPath();
        assumeTrue(g.available(), "Graphviz 'dot' is not on PATH: skipping the real-dot test");
        String svg = Graphviz.render(DOT).orElseThrow();
        assertTrue(svg.startsWith("<svg"), svg.substring(0, Math.min(200, svg.length())));
        assertFalse(svg.contains("<!DOCTYPE"), "DOCTYPE stripped");
        assertTrue(svg.contains("a0.head5") && svg.contains("q&lt;k&gt;"), "node and edge labels present");
        Xml.parse(svg, "dot SVG");
    }

    private static Path script(Path dir, String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
