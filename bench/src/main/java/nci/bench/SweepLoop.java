package nci.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * {@link SweepBench}'s sweep on command, for {@code bench/sweep-vs-seed}, which takes turns with it: one sweep of
 * the GPT-2-small-shaped random model (cache on, a fresh engine and cache each time, exactly SweepBench's op at
 * T = 6), then some of the seed's floor work in PyTorch, then the next sweep, so that both are timed in the same
 * minutes of this drifting machine.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar nci.bench.SweepLoop [--threads N]} starts a JVM with
 * {@link JvmFlags#PATCHING} (the flags {@code ./nci sweep} and SweepBench run with) and talks to it through the
 * same stdin and stdout. After SweepBench's setup and checks it prints {@code ready runs=R threads=N}; then
 * each line {@code sweep} runs one sweep and answers {@code ms M} (wall milliseconds), {@code quit} ends it, and
 * anything else answers {@code error: ...} and is ignored.
 */
public final class SweepLoop {
    private SweepLoop() {}

    /** Set in the forked JVM, so that it runs the loop instead of forking again. */
    static final String FORKED = "nci.sweeploop.forked";

    public static void main(String[] args) throws IOException, InterruptedException {
        int threads = threads(args);
        if (System.getProperty(FORKED) == null) {
            System.exit(CommandLoop.fork(SweepLoop.class, FORKED, JvmFlags.PATCHING, args));
            return;
        }
        SweepBench.Sweep s = new SweepBench.Sweep();
        s.T = 6;
        s.cache = "on";
        s.threads = threads;
        s.setup();
        try {
            String ready = "ready runs=" + (1 + 2 * s.model.config().nLayer() * s.T) + " threads=" + threads;
            serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out, ready, () -> {
                long t0 = System.nanoTime();
                SweepBench.sweep(s.model, s.digest, s.cacheBytes, s.clean, s.counterfactual, s.targets);
                return System.nanoTime() - t0;
            });
        } finally {
            s.tearDown();
        }
    }

    /** {@code --threads N} (default 2), checked. */
    static int threads(String[] args) {
        return CommandLoop.threads("SweepLoop", args);
    }

    /**
     * The command loop ({@link CommandLoop#serve}): {@code sweep} runs one and answers {@code ms M}. Returns the
     * number of sweeps run.
     */
    static int serve(BufferedReader in, PrintStream out, String ready, LongSupplier sweepNanos) throws IOException {
        return CommandLoop.serve(in, out, ready, cmd -> {
            if (!cmd.equals("sweep")) throw new IllegalArgumentException("unknown command '" + cmd + "' (expected sweep or quit)");
            return String.format(java.util.Locale.ROOT, "ms %.3f", sweepNanos.getAsLong() / 1e6);
        });
    }
}
