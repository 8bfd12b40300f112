package nci.tools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the CLI in-process and captures what it prints. */
final class CliTestSupport {
    private CliTestSupport() {}

    record Outcome(int code, String out, String err) {
        /** stderr without the JVM's incubator-module warning, which a forked JVM would print. */
        String errLines() {
            return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).reduce("", (a, b) -> a + b + "\n");
        }
    }

    static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path fixtures() {
        String p = System.getProperty("nci.fixtures");
        if (p != null && Files.isDirectory(Path.of(p))) return Path.of(p);
        for (Path q = Path.of("").toAbsolutePath(); q != null; q = q.getParent())
            if (Files.isDirectory(q.resolve("fixtures"))) return q.resolve("fixtures");
        throw new IllegalStateException("fixtures/ not found");
    }

    static Path root() { return fixtures().getParent(); }
}
