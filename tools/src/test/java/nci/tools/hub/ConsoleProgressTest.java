package nci.tools.hub;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rendering with a fake clock: which lines appear when, and what they say. */
class ConsoleProgressTest {

    final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    final long[] now = {0};

    ConsoleProgress progress(boolean terminal) {
        return new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), terminal, () -> now[0]);
    }

    List<String> lines() {
        return buf.toString(StandardCharsets.UTF_8).lines().toList();
    }

    static final long MS = 1_000_000L;

    @Test
    void plainLinesEveryTenPercentOrTwoSeconds() {
        ConsoleProgress p = progress(false);
        p.started("model.safetensors", 0, 10 * 1024 * 1024);
        for (int i = 1; i < 100; i++) { // 1 % steps within the first tenth, 1 ms apart: silent
            now[0] += MS;
            p.progress("model.safetensors", i * 10L * 1024 * 1024 / 1000, 10 * 1024 * 1024);
        }
        assertEquals(1, lines().size(), lines().toString());
        now[0] = 1000 * MS;
        p.progress("model.safetensors", 1024 * 1024, 10 * 1024 * 1024); // crosses 10 %
        now[0] = 1500 * MS;
        p.progress("model.safetensors", 1100 * 1024, 10 * 1024 * 1024); // same tenth, 0.5 s later: silent
        now[0] = 3100 * MS;
        p.progress("model.safetensors", 1200 * 1024, 10 * 1024 * 1024); // 2.1 s since the last line
        now[0] = 4000 * MS;
        p.finished("model.safetensors", 10 * 1024 * 1024);
        List<String> l = lines();
        assertEquals(List.of(
                "model.safetensors: downloading 10.0 MiB",
                "model.safetensors:  10% 1.0 MiB / 10.0 MiB 1.0 MiB/s",
                "model.safetensors:  11% 1.2 MiB / 10.0 MiB 387.1 KiB/s",
                "model.safetensors: done, 10.0 MiB 2.5 MiB/s"), l);
    }

    @Test
    void plainResumeAndRetryAreSaid() {
        ConsoleProgress p = progress(false);
        p.retrying("vocab.json", 2048, 1, "connection lost (EOFException)");
        p.started("vocab.json", 2048, 4096);
        p.cached("merges.txt", 10);
        p.notice("hub x answered HTTP 503; using the cached snapshot c of y");
        assertEquals(List.of("vocab.json: connection lost (EOFException); retry 1 at 2.0 KiB",
                "vocab.json: downloading 4.0 KiB, resuming at 2.0 KiB", "merges.txt: in cache (10 B)",
                "nci: hub x answered HTTP 503; using the cached snapshot c of y"), lines());
    }

    @Test
    void terminalRedrawsOneLineWithBarAndRate() {
        ConsoleProgress p = progress(true);
        p.started("w", 0, 1000);
        now[0] = 50 * MS;
        p.progress("w", 100, 1000); // within 100 ms of the last draw: not drawn
        now[0] = 500 * MS;
        p.progress("w", 500, 1000);
        now[0] = 1000 * MS;
        p.finished("w", 1000);
        String out = buf.toString(StandardCharsets.UTF_8);
        String[] draws = out.split("\r", -1);
        assertEquals(4, draws.length, out); // "" + start + 50 % + final
        assertTrue(draws[2].startsWith("w [===============               ]  50% 500 B / 1000 B 1000 B/s"), draws[2]);
        assertTrue(draws[3].startsWith("w [==============================] 100% 1000 B / 1000 B"), draws[3]);
        assertTrue(out.endsWith("\n"), "the finished bar ends its line");
    }

    @Test
    void byteUnits() {
        assertEquals("0 B", ConsoleProgress.bytes(0));
        assertEquals("1023 B", ConsoleProgress.bytes(1023));
        assertEquals("1.5 KiB", ConsoleProgress.bytes(1536));
        assertEquals("522.7 MiB", ConsoleProgress.bytes(548_105_171L));
        assertEquals(" 37% 37 B / 100 B", ConsoleProgress.amount(37, 100));
        assertEquals("5 B", ConsoleProgress.amount(5, -1));
    }
}
