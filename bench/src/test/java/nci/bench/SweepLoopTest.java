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
import java.util.List;
import org.junit.jupiter.api.Test;

/** SweepLoop's command protocol (what bench/sweep-vs-seed reads) and its arguments; the sweep itself is SweepBench's. */
class SweepLoopTest {

    private record Session(int sweeps, List<String> lines) {}

    private static Session serve(String input, long... nanos) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int[] calls = {0};
        int n;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            n = SweepLoop.serve(new BufferedReader(new StringReader(input)), out, "ready runs=145 threads=2",
                    () -> nanos[calls[0]++]);
        }
        assertEquals(n, calls[0], "one timed sweep per sweep command");
        return new Session(n, bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void answersEachSweepWithItsMilliseconds() throws IOException {
        Session s = serve("sweep\n  sweep \nquit\nsweep\n", 276_300_000L, 1_500L);
        assertEquals(2, s.sweeps(), "nothing after quit is read");
        assertEquals(List.of("ready runs=145 threads=2", "ms 276.300", "ms 0.002"), s.lines());
    }

    @Test
    void unknownCommandsAreAnsweredAndIgnored() throws IOException {
        Session s = serve("sweeps\n\nsweep\n", 2_000_000L);
        assertEquals(1, s.sweeps());
        assertEquals("ready runs=145 threads=2", s.lines().get(0));
        assertTrue(s.lines().get(1).startsWith("error: unknown command 'sweeps'"), s.lines().get(1));
        assertTrue(s.lines().get(2).startsWith("error: unknown command ''"), s.lines().get(2));
        assertEquals("ms 2.000", s.lines().get(3));
        assertEquals(4, s.lines().size(), "the end of the input ends the loop");
    }

    @Test
    void threadsArgument() {
        assertEquals(2, SweepLoop.threads(new String[0]));
        assertEquals(1, SweepLoop.threads(new String[] {"--threads", "1"}));
        assertEquals("SweepLoop: --threads must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> SweepLoop.threads(new String[] {"--threads", "0"})).getMessage());
        assertEquals("SweepLoop: --threads needs a number, got 'two'",
                assertThrows(IllegalArgumentException.class, () -> SweepLoop.threads(new String[] {"--threads", "two"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SweepLoop.threads(new String[] {"--thread", "2"}))
                .getMessage().startsWith("SweepLoop: unknown argument '--thread'"));
        assertEquals("SweepLoop: --threads needs a number",
                assertThrows(IllegalArgumentException.class, () -> SweepLoop.threads(new String[] {"--threads"})).getMessage());
    }
}
