package nci.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Fork;

/**
 * The benchmark JVMs run with the flags the {@code ./nci} launcher gives every command (plus a fixed heap), so what the
 * benchmarks measure is what the commands run: {@link JvmFlags} against the launcher's {@code flags=(...)} array, and
 * the {@code @Fork} annotations, which list the flags one by one, against {@link JvmFlags}.
 */
class JvmFlagsTest {

    /** The checkout's root: the folder above the working directory that holds the launcher. */
    private static Path checkout() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("nci")) && Files.isDirectory(p.resolve("bench"))) return p;
        throw new IllegalStateException("no ./nci launcher above " + Path.of("").toAbsolutePath());
    }

    /**
     * The words of the launcher's base {@code flags=(...)} array, quotes dropped, with {@code --add-modules M} written
     * as {@code --add-modules=M} (as JvmFlags writes it; the JVM takes both).
     */
    static List<String> launcherFlags(String script) {
        Matcher m = Pattern.compile("(?m)^flags=\\(([^)]*)\\)").matcher(script);
        assertTrue(m.find(), "no flags=(...) array in ./nci");
        List<String> out = new ArrayList<>();
        String[] words = m.group(1).trim().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String w = words[i].replace("\"", "");
            out.add(w.equals("--add-modules") ? w + "=" + words[++i] : w);
        }
        return out;
    }

    @Test
    void theBenchmarksRunTheLaunchersFlags() throws IOException {
        String script = Files.readString(checkout().resolve("nci"));
        List<String> bench = new ArrayList<>(JvmFlags.ALL);
        assertTrue(bench.remove(JvmFlags.HEAP), "JvmFlags.ALL has the fixed heap");
        assertEquals(launcherFlags(script), bench);
        assertTrue(script.contains("patch|sweep|run|demo) flags+=(" + JvmFlags.PATCHING_YOUNG + ")"),
                "the launcher gives the patching commands " + JvmFlags.PATCHING_YOUNG);
        List<String> patching = new ArrayList<>(JvmFlags.ALL);
        patching.add(JvmFlags.PATCHING_YOUNG);
        assertEquals(patching, JvmFlags.PATCHING);
    }

    @Test
    void theForkAnnotationsListJvmFlags() {
        assertEquals(JvmFlags.ALL, List.of(GemmBench.class.getAnnotation(Fork.class).jvmArgsAppend()));
        assertEquals(JvmFlags.ALL, List.of(ForwardBench.class.getAnnotation(Fork.class).jvmArgsAppend()));
        assertEquals(JvmFlags.PATCHING, List.of(SweepBench.class.getAnnotation(Fork.class).jvmArgsAppend()));
    }

    @Test
    void launcherFlagsReadsTheArrayAcrossLines() {
        String script = "x=1\nflags=(--add-modules jdk.incubator.vector -XX:+A\n       \"-XX:B=c,d.*::*,0.5\")\nflags+=(-Xmn1m)\n";
        assertEquals(List.of("--add-modules=jdk.incubator.vector", "-XX:+A", "-XX:B=c,d.*::*,0.5"), launcherFlags(script));
    }
}
