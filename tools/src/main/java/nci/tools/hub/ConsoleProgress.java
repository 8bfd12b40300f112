package nci.tools.hub;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Renders download progress as text. On a terminal: one self-redrawing line per file with a bar, bytes and rate,
 * redrawn at most every {@value #REDRAW_MS} ms. Otherwise (a log, a pipe, CI): a plain line when a file
 * starts, then at most one line per {@value #PLAIN_INTERVAL_S} s or per 10 % step, and one when it finishes.
 */
public final class ConsoleProgress implements ProgressListener {

    static final int REDRAW_MS = 100;
    static final int PLAIN_INTERVAL_S = 2;
    private static final int BAR_WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoClock;

    // State of the file in flight (downloads are sequential).
    private long startNanos;
    private long startBytes;
    private long lastPrintNanos;
    private long lastPrintedTenth;

    /**
     * @param out       where to write (the CLI passes System.err)
     * @param terminal  draw a redrawing bar (true) or plain lines (false)
     * @param nanoClock monotonic clock in ns (System::nanoTime; tests inject a fake)
     */
    public ConsoleProgress(PrintStream out, boolean terminal, LongSupplier nanoClock) {
        this.out = Objects.requireNonNull(out, "out");
        this.terminal = terminal;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * Progress on System.err: a bar when the process talks to a terminal, plain lines otherwise. Since JDK 22
     * {@code System.console()} is non-null even when redirected, so {@link Console#isTerminal()} decides.
     */
    public static ConsoleProgress stderr() {
        Console c = System.console();
        return new ConsoleProgress(System.err, c != null && c.isTerminal(), System::nanoTime);
    }

    @Override
    public void cached(String file, long size) {
        out.println(file + ": in cache" + (size >= 0 ? " (" + bytes(size) + ")" : ""));
    }

    @Override
    public void started(String file, long done, long total) {
        startNanos = nanoClock.getAsLong();
        startBytes = done;
        lastPrintNanos = startNanos;
        lastPrintedTenth = tenth(done, total);
        if (terminal) {
            draw(file, done, total);
        } else {
            out.println(file + ": downloading " + (total >= 0 ? bytes(total) : "(size unknown)")
                    + (done > 0 ? ", resuming at " + bytes(done) : ""));
        }
    }

    @Override
    public void progress(String file, long done, long total) {
        long now = nanoClock.getAsLong();
        if (terminal) {
            if (now - lastPrintNanos >= REDRAW_MS * 1_000_000L) {
                lastPrintNanos = now;
                draw(file, done, total);
            }
            return;
        }
        long t = tenth(done, total);
        if (now - lastPrintNanos >= PLAIN_INTERVAL_S * 1_000_000_000L || t > lastPrintedTenth) {
            lastPrintNanos = now;
            lastPrintedTenth = t;
            out.println(file + ": " + amount(done, total) + " " + rate(done, now));
        }
    }

    @Override
    public void retrying(String file, long done, int attempt, String reason) {
        if (terminal) {
            out.print('\n');
        }
        out.println(file + ": " + reason + "; retry " + attempt + " at " + bytes(done));
    }

    @Override
    public void notice(String message) {
        out.println("nci: " + message);
    }

    @Override
    public void finished(String file, long size) {
        long now = nanoClock.getAsLong();
        if (terminal) {
            draw(file, size, size);
            out.print('\n');
        } else {
            out.println(file + ": done, " + bytes(size) + " " + rate(size, now));
        }
        out.flush();
    }

    private void draw(String file, long done, long total) {
        StringBuilder sb = new StringBuilder(120).append('\r').append(file).append(" [");
        int filled = total > 0 ? (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total) : 0;
        sb.append("=".repeat(filled)).append(" ".repeat(BAR_WIDTH - filled)).append("] ");
        sb.append(amount(done, total)).append(' ').append(rate(done, nanoClock.getAsLong()));
        out.print(sb);
        out.flush();
    }

    /** Tenths of the file done (0..10), -1 when the size is unknown. */
    private static long tenth(long done, long total) {
        return total > 0 ? Math.min(10, done * 10 / total) : -1;
    }

    private String rate(long done, long now) {
        double s = (now - startNanos) / 1e9;
        return s <= 0 ? "" : bytes((long) ((done - startBytes) / s)) + "/s";
    }

    static String amount(long done, long total) {
        if (total < 0) {
            return bytes(done);
        }
        long pct = total == 0 ? 100 : done * 100 / total;
        return String.format(Locale.ROOT, "%3d%% %s / %s", pct, bytes(done), bytes(total));
    }

    /** Human size with binary units: 512 B, 1.5 KiB, 522.7 MiB. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
