package nci.tools.study;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress lines: silent for short runs, no time-left estimate from the first few runs, one line a second at most. */
class ProgressTest {

    @Test
    void estimatesTheTimeLeftOnlyOnceAShareOfTheRunsIsDone() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long[] now = {0};
        Progress p = new Progress(new PrintStream(buf, true, StandardCharsets.UTF_8), "study", 1000, () -> now[0]);
        p.step(2);                                   // the unpatched runs, at once: too early to say anything
        now[0] = 2_500_000_000L;
        p.step(8);                                   // 10 of 1000 after 2.5 s: 1% done, no estimate yet
        now[0] = 3_000_000_000L;
        p.step(10);                                  // within the second: no line
        now[0] = 5_000_000_000L;
        p.step(80);                                  // 100 after 5 s: 20/s, 900 left, 45 s
        now[0] = 9_344_000_000L;
        p.finish();
        assertEquals(List.of("nci: study: 10/1000 runs, 4.0/s, time left not known yet",
                "nci: study: 100/1000 runs, 20.0/s, about 45.0 s left",
                "nci: study: 100 runs in 9.3 s"), buf.toString(StandardCharsets.UTF_8).lines().toList());

        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        Progress q = new Progress(new PrintStream(quiet, true, StandardCharsets.UTF_8), "study", 10, () -> 1_000_000_000L);
        q.step(10);
        q.finish();
        assertEquals("", quiet.toString(StandardCharsets.UTF_8), "a run under 2 s prints nothing");
    }

    @Test
    void durations() {
        assertEquals("9.3 s", Progress.duration(9.344));
        assertEquals("2 min 05 s", Progress.duration(125));
        assertEquals("1 h 01 min", Progress.duration(3661));
    }
}
