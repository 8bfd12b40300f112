package nci.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Python comparison scripts in {@code bench/}: that compare-torch's torch forward, the one every PyTorch figure
 * times, still is HuggingFace's GPT-2 on the fixtures (its own {@code --check}, with its negative controls), and
 * that every script refuses a bad argument by name. The timing runs themselves take minutes and are not tests.
 * Needs python3 (and numpy + torch for the check); skipped, saying why, on a machine without them.
 */
class ComparisonScriptsTest {

    private static final List<String> SCRIPTS = List.of("compare-numpy", "compare-numpy-turns", "compare-torch", "seed-floor", "seed-sweep",
            "sweep-vs-seed");

    private record Run(int exit, String out, String err) {}

    private static Path root() {
        String fixtures = System.getProperty("nci.fixtures");
        Path start = fixtures != null ? Path.of(fixtures).toAbsolutePath().getParent() : Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("bench/compare-torch"))) return p;
        throw new IllegalStateException("bench/compare-torch not found above " + start + " (set -Dnci.fixtures)");
    }

    private static Run run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        return run(dir, cmd, "");
    }

    private static Run run(Path dir, List<String> cmd, String stdin) throws IOException, InterruptedException {
        Path out = Files.createTempFile("nci-script", ".out"), err = Files.createTempFile("nci-script", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("did not finish within 180 s: " + cmd);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Whether python3 runs and can import the given modules (e.g. "numpy, torch"). */
    private static boolean python(String modules) {
        try {
            return run(Path.of("").toAbsolutePath(), List.of("python3", "-c", "import " + modules)).exit() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void compareTorchCheckPassesOnEveryFixtureModelAndItsNegativeControlsFail() throws Exception {
        assumeTrue(python("numpy, torch"), "python3 with numpy and torch is not installed");
        Path root = root();
        Run r = run(root, List.of("python3", "bench/compare-torch", "--check"));
        assertEquals(0, r.exit(), () -> "compare-torch --check failed:\n" + r.out() + r.err());
        List<String> models = new ArrayList<>();
        try (var dirs = Files.list(root.resolve("fixtures/models"))) {
            dirs.filter(d -> Files.isRegularFile(d.resolve("reference.safetensors")))
                    .forEach(d -> models.add(d.getFileName().toString()));
        }
        assertTrue(models.size() >= 7, "fixture models found: " + models);
        for (String m : models)
            assertTrue(r.out().lines().anyMatch(l -> l.matches("compare-torch check: " + m + " +\\d+ tensors match the HF reference.*")),
                    () -> "no passing line for fixture model " + m + ":\n" + r.out());
        assertEquals(2, r.out().lines().filter(l -> l.startsWith("compare-torch check: negative control")
                && l.contains("fails as it must")).count(), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("compare-torch check: OK \\(\\d+ tensors, 2 negative controls\\)")), r.out());
    }

    @Test
    void compareNumpyTurnsNumpyWorkerAnswersEachTurn() throws Exception {
        assumeTrue(python("numpy"), "python3 with numpy is not installed");
        Run r = run(root(), List.of("python3", "bench/compare-numpy-turns", "--numpy-worker"),
                "8 64 48 0 0.01\n8 64 48 1 0.01\n8 64 48 2 0.01\nquit\n8 64 48 0 0.01\n");
        assertEquals(0, r.exit(), () -> "worker failed:\n" + r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), "an info line, one line per turn before quit, nothing after it: " + lines);
        assertTrue(lines.get(0).startsWith("{\"numpy\": ") && lines.get(0).contains("\"blas\": "), lines.get(0));
        for (String turn : lines.subList(1, 3)) {
            var m = java.util.regex.Pattern.compile("gflops (\\d+\\.\\d{3}) calls (\\d+)").matcher(turn);
            assertTrue(m.matches(), turn);
            assertTrue(Long.parseLong(m.group(2)) >= 1 && Double.parseDouble(m.group(1)) > 0, turn);
        }
        assertEquals("error: expected T K N TRANSPOSED(0/1) SECONDS, got '8 64 48 2 0.01'", lines.get(3));
    }

    @Test
    void compareNumpyTurnsRefusesARowCountBelowOneByName() throws Exception {
        assumeTrue(python("sys"), "python3 is not installed");
        for (String bad : List.of("0", "8,0", "x", "")) {
            Run r = run(root(), List.of("python3", "bench/compare-numpy-turns", "--tokens", bad));
            assertEquals(2, r.exit(), "--tokens '" + bad + "' was accepted:\n" + r.out() + r.err());
            assertEquals("compare-numpy-turns: --tokens needs row counts T >= 1, e.g. 8,32,128,512, got '" + bad + "'",
                    r.err().strip(), "--tokens '" + bad + "'");
        }
    }

    @Test
    void everyScriptRejectsAnUnknownArgumentByName() throws Exception {
        assumeTrue(python("sys"), "python3 is not installed");
        Path root = root();
        for (String script : SCRIPTS) {
            Run r = run(root, List.of("python3", "bench/" + script, "--no-such-option"));
            assertNotEquals(0, r.exit(), script + " accepted --no-such-option");
            String first = r.err().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
            assertEquals(script + ": unknown argument '--no-such-option'", first, script + " stderr:\n" + r.err());
        }
    }
}
