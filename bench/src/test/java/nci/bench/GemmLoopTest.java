package nci.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** GemmLoop's commands (what bench/compare-numpy-turns sends): a turn's answer, and every bad command named. */
class GemmLoopTest {

    private static final Pattern ANSWER = Pattern.compile("gflops (\\d+\\.\\d{3}) calls (\\d+)");

    @Test
    void eachBenchRunsForItsSecondsAndCountsItsCalls() {
        try (GemmLoop.Cells cells = new GemmLoop.Cells(1)) {
            for (String bench : List.of("matmul", "packedMatmul", "lmHead")) {
                String answer = cells.answer("run " + bench + " 8 64x48 0.02");
                Matcher m = ANSWER.matcher(answer);
                assertTrue(m.matches(), bench + ": " + answer);
                long calls = Long.parseLong(m.group(2));
                double gflops = Double.parseDouble(m.group(1));
                assertTrue(calls >= 1, answer);
                // 2*8*64*48 = 49152 flops a call, all calls in at least 0.02 s; G is printed rounded to 0.001
                assertTrue(gflops > 0 && gflops <= calls * 49152 / 0.02 / 1e9 + 0.0005, answer);
            }
            // a turn far shorter than one call still runs it once
            Matcher once = ANSWER.matcher(cells.answer("run matmul 8 64x48 1e-9"));
            assertTrue(once.matches());
            assertEquals("1", once.group(2));
        }
    }

    @Test
    void badCommandsAreNamed() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("sweep", "unknown command 'sweep' (expected: run BENCH T KxN SECONDS, or quit)");
        bad.put("run scalarMatmul 8 64x48 0.01", "unknown BENCH 'scalarMatmul' (expected matmul, packedMatmul or lmHead)");
        bad.put("run matmul 0 64x48 0.01", "T must be >= 1, got 0");
        bad.put("run matmul 8 64x48 0", "SECONDS must be in (0, 60], got 0");
        bad.put("run matmul 8 64x48 NaN", "SECONDS must be in (0, 60], got NaN");
        bad.put("run matmul eight 64x48 0.01", "T must be a whole number and SECONDS a number, got 'eight' and '0.01'");
        bad.put("run matmul 8 64by48 0.01", "GemmBench param shape '64by48': expected KxN with positive integers, e.g. 768x2304");
        try (GemmLoop.Cells cells = new GemmLoop.Cells(1)) {
            bad.forEach((command, message) ->
                    assertEquals(message, assertThrows(IllegalArgumentException.class, () -> cells.answer(command)).getMessage(), command));
        }
    }

    @Test
    void servedOverTheCommandLoopProtocol() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int answered;
        try (GemmLoop.Cells cells = new GemmLoop.Cells(1);
             PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            answered = CommandLoop.serve(new BufferedReader(new StringReader("run matmul 8 64x48 0.01\nrun lmHead 8 64\nquit\nrun matmul 8 64x48 0.01\n")),
                    out, "ready threads=1", cells::answer);
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, answered, "nothing after quit is read, and an error is not an answer");
        assertEquals(3, lines.size(), lines.toString());
        assertEquals("ready threads=1", lines.get(0));
        assertTrue(ANSWER.matcher(lines.get(1)).matches(), lines.get(1));
        assertTrue(lines.get(2).startsWith("error: unknown command 'run lmHead 8 64'"), lines.get(2));
    }

    @Test
    void threadsArgument() {
        assertEquals(2, CommandLoop.threads("GemmLoop", new String[0]));
        assertEquals("GemmLoop: --threads must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> CommandLoop.threads("GemmLoop", new String[] {"--threads", "0"})).getMessage());
        assertEquals("GemmLoop: threads must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new GemmLoop.Cells(0)).getMessage());
    }
}
