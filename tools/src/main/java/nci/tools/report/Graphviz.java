package nci.tools.report;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Renders Graphviz DOT to SVG with the external {@code dot} program, when it is installed.
 *
 * <p>The DOT source goes through a temporary file and so does the output ({@code dot -Tsvg -o out in}), so no
 * pipe can fill up and block either side; the run is bounded by a timeout after which {@code dot} (and anything it
 * started) is killed. The SVG returned starts at its {@code <svg} element: the XML prolog and the DOCTYPE (which
 * names an external DTD URL) are dropped, so it can be inlined into HTML as is.
 */
public final class Graphviz {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final Path executable;
    private final Duration timeout;

    /** @param executable the {@code dot} binary, or null when there is none */
    public Graphviz(Path executable, Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("Graphviz timeout must be positive, got " + timeout);
        }
        this.executable = executable;
        this.timeout = timeout;
    }

    /** {@code dot} as found on PATH now (possibly absent), with the default timeout. */
    public static Graphviz onPath() {
        return new Graphviz(findOnPath("dot"), DEFAULT_TIMEOUT);
    }

    /** {@code dot -Tsvg} of {@code dot} using {@code dot} from PATH; empty when it is absent or times out. */
    public static Optional<String> render(String dot) {
        return onPath().toSvg(dot);
    }

    public boolean available() {
        return executable != null && Files.isExecutable(executable);
    }

    /**
     * Runs {@code dot -Tsvg} on {@code dotSource}.
     *
     * @return the SVG, or empty when {@code dot} is absent, cannot be started or does not finish within the timeout
     * @throws IllegalArgumentException when {@code dot} rejects the source (the message carries its stderr)
     */
    public Optional<String> toSvg(String dotSource) {
        if (dotSource == null) throw new IllegalArgumentException("Graphviz: DOT source must not be null");
        if (!available()) return Optional.empty();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("nci-dot");
            Path in = dir.resolve("graph.dot"), out = dir.resolve("graph.svg"), err = dir.resolve("stderr.txt");
            Files.writeString(in, dotSource, StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder(executable.toString(), "-Tsvg", "-o", out.toString(), in.toString())
                    .redirectOutput(err.toFile())
                    .redirectError(err.toFile());
            Process p;
            try {
                p = pb.start();
            } catch (IOException notRunnable) {
                return Optional.empty();
            }
            p.getOutputStream().close();   // dot reads its input from the file, not stdin
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return Optional.empty();
            }
            if (p.exitValue() != 0) {
                throw new IllegalArgumentException("Graphviz " + executable + " rejected the DOT source (exit "
                        + p.exitValue() + "): " + Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            String svg = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
            int start = svg.indexOf("<svg");
            if (start < 0) {
                throw new IllegalStateException("Graphviz " + executable + " exited 0 but wrote no <svg> element");
            }
            return Optional.of(svg.substring(start));
        } catch (IOException e) {
            throw new UncheckedIOException("Graphviz: cannot use temporary files for dot", e);
        } finally {
            if (dir != null) deleteQuietly(dir);
        }
    }

    static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path candidate = Path.of(d, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // A leftover temp file is harmless; the render result is what matters.
        }
    }
}
