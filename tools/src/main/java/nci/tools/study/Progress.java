package nci.tools.study;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long run on stderr: experiments done, rate and time left, at most once a second and only once
 * the run has taken more than {@link #QUIET_MILLIS} (short runs stay silent). Not thread-safe; one per run.
 */
public final class Progress {
    static final long QUIET_MILLIS = 2000;

    private final PrintStream err;
    private final String what;
    private final int total;
    private final long start = System.nanoTime();
    private long lastPrint;
    private int done;
    private boolean printed;

    /** @param err null for silence */
    public Progress(PrintStream err, String what, int total) {
        this.err = err;
        this.what = what;
        this.total = total;
    }

    public int done() { return done; }

    /** One more experiment finished. */
    public void step() { step(1); }

    /** n more experiments finished. */
    public void step(int n) {
        done += n;
        if (err == null) return;
        long now = System.nanoTime(), ms = (now - start) / 1_000_000;
        if (ms < QUIET_MILLIS || (now - lastPrint) < 1_000_000_000L) return;
        lastPrint = now;
        printed = true;
        double rate = done / (ms / 1000.0);
        double left = rate > 0 ? (total - done) / rate : 0;
        err.printf(Locale.ROOT, "nci: %s: %d/%d experiments, %.1f/s, about %s left%n", what, done, total, rate, duration(left));
    }

    /** Prints a closing line if anything was printed. */
    public void finish() {
        if (err == null || !printed) return;
        double s = (System.nanoTime() - start) / 1e9;
        err.printf(Locale.ROOT, "nci: %s: %d experiments in %s%n", what, done, duration(s));
    }

    static String duration(double seconds) {
        if (seconds < 60) return String.format(Locale.ROOT, "%.0f s", Math.ceil(seconds));
        long s = (long) Math.ceil(seconds);
        return s < 3600 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60)
                : String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
