package nci.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import nci.gpt2.io.SafeTensors;

/** Test support for the study commands: running {@link Main#run}, the fixtures, CSV reading, tolerant comparison. */
final class Cli {
    private Cli() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /** Exit code, stdout and stderr of one command. */
    record Result(int code, String out, String err) {
        /** The stderr lines that are not progress reports. */
        List<String> errorLines() {
            return err.lines().filter(l -> !l.isBlank() && !l.startsWith("nci: study:") && !l.startsWith("WARNING")).toList();
        }

        String describe() { return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err; }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path fixtures() {
        String p = System.getProperty("nci.fixtures");
        if (p != null && Files.isDirectory(Path.of(p))) return Path.of(p);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent())
            if (Files.isDirectory(d.resolve("fixtures/cases"))) return d.resolve("fixtures");
        throw new IllegalStateException("fixtures/ not found: set -Dnci.fixtures or run inside the repository");
    }

    /** The repository root (the folder holding fixtures/). */
    static Path root() { return fixtures().toAbsolutePath().getParent(); }

    static Path model(String name) { return fixtures().resolve("models").resolve(name); }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    static Map<String, float[]> tensors(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            Map<String, float[]> out = new HashMap<>();
            for (String name : st.names()) out.put(name, st.floats(name));
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    /** RFC 4180 reader (quoted fields, doubled quotes), enough to check what {@code nci} writes. */
    static List<List<String>> csv(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') { f.append('"'); i++; }
                else if (c == '"') quoted = false;
                else f.append(c);
            } else if (c == '"') quoted = true;
            else if (c == ',') { row.add(f.toString()); f.setLength(0); }
            else if (c == '\n') { row.add(f.toString()); f.setLength(0); rows.add(row); row = new ArrayList<>(); }
            else f.append(c);
        }
        if (!f.isEmpty() || !row.isEmpty()) { row.add(f.toString()); rows.add(row); }
        return rows;
    }

    /** |got - ref| <= atol + rtol·|ref| everywhere; the message names the tensor, max abs error and first difference. */
    static void assertClose(String name, float[] ref, float[] got, double atol, double rtol) {
        if (ref.length != got.length) throw new AssertionError(name + ": length " + got.length + ", expected " + ref.length);
        double maxAbs = 0;
        int first = -1;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs((double) got[i] - ref[i]);
            maxAbs = Math.max(maxAbs, d);
            if (first < 0 && !(d <= atol + rtol * Math.abs(ref[i]))) first = i;
        }
        if (first >= 0)
            throw new AssertionError(name + ": max abs error " + maxAbs + "; first difference at " + first + ": got " + got[first]
                    + ", expected " + ref[first]);
    }

    static void assertRelative(String what, double ref, double got, double rtol) {
        if (!(Math.abs(got - ref) <= rtol * Math.abs(ref)))
            throw new AssertionError(what + ": got " + got + ", expected " + ref + " (relative error " + Math.abs(got - ref) / Math.abs(ref) + ")");
    }
}
