package nci.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
            System.exit(fork(args));
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
        int threads = 2;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads")) {
                if (i + 1 == args.length) throw new IllegalArgumentException("SweepLoop: --threads needs a number");
                try {
                    threads = Integer.parseInt(args[++i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("SweepLoop: --threads needs a number, got '" + args[i] + "'");
                }
                if (threads < 1) throw new IllegalArgumentException("SweepLoop: --threads must be >= 1, got " + threads);
            } else {
                throw new IllegalArgumentException("SweepLoop: unknown argument '" + args[i] + "' (usage: SweepLoop [--threads N])");
            }
        }
        return threads;
    }

    /** This class again, in a JVM with {@link JvmFlags#PATCHING}, sharing stdin/stdout/stderr; its exit code. */
    private static int fork(String[] args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.PATCHING);
        cmd.add("-D" + FORKED + "=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SweepLoop.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    /**
     * The command loop: prints {@code ready} once, then answers each line of {@code in} until {@code quit} or the
     * end of the input. Returns the number of sweeps run.
     */
    static int serve(BufferedReader in, PrintStream out, String ready, LongSupplier sweepNanos) throws IOException {
        out.println(ready);
        out.flush();
        int sweeps = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String cmd = line.strip();
            if (cmd.equals("quit")) break;
            if (cmd.equals("sweep")) {
                long ns = sweepNanos.getAsLong();
                sweeps++;
                out.printf(java.util.Locale.ROOT, "ms %.3f%n", ns / 1e6);
            } else {
                out.println("error: unknown command '" + cmd + "' (expected sweep or quit)");
            }
            out.flush();
        }
        return sweeps;
    }
}
