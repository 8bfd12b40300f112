package nci.tools.study;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a long run on stderr: runs done, rate and time left, at most once a second and only once the run has
 * taken more than {@link #QUIET_MILLIS} (short runs stay silent). The time left is given from {@link #KNOWN_AFTER} of
 * the runs on: the engine finishes runs in batches, and a rate taken over the first few (the unpatched runs, which
 * come first) made the first estimate tens of times too long. Not thread-safe; one per run.
 */
public final class Progress {
    static final long QUIET_MILLIS = 2000;
    /** The share of the runs done before the time left is estimated. */
    static final double KNOWN_AFTER = 0.05;

    private final PrintStream err;
    private final String what;
    private final int total;
    private final LongSupplier clock;
    private final long start;
    private long lastPrint;
    private int done;
    private boolean printed;

    /** @param err null for silence */
    public Progress(PrintStream err, String what, int total) {
        this(err, what, total, System::nanoTime);
    }

    /** With a clock in nanoseconds (tests). */
    Progress(PrintStream err, String what, int total, LongSupplier clock) {
        this.err = err;
        this.what = what;
        this.total = total;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    public int done() { return done; }

    /** One more run finished. */
    public void step() { step(1); }

    /** n more runs finished. */
    public void step(int n) {
        done += n;
        if (err == null) return;
        long now = clock.getAsLong(), ms = (now - start) / 1_000_000;
        if (ms < QUIET_MILLIS || (printed && now - lastPrint < 1_000_000_000L)) return;
        lastPrint = now;
        printed = true;
        double rate = done / (ms / 1000.0);
        String left = done < KNOWN_AFTER * total || rate <= 0 ? "time left not known yet"
                : "about " + duration((total - done) / rate) + " left";
        err.printf(Locale.ROOT, "nci: %s: %d/%d runs, %.1f/s, %s%n", what, done, total, rate, left);
    }

    /** Prints a closing line if anything was printed. */
    public void finish() {
        if (err == null || !printed) return;
        double s = (clock.getAsLong() - start) / 1e9;
        err.printf(Locale.ROOT, "nci: %s: %d runs in %s%n", what, done, duration(s));
    }

    static String duration(double seconds) {
        if (seconds < 60) return String.format(Locale.ROOT, "%.1f s", seconds);
        long s = (long) Math.ceil(seconds);
        return s < 3600 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60)
                : String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
