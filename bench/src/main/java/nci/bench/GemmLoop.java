package nci.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import nci.tensor.Gemm;

/**
 * {@link GemmBench}'s products on command, for {@code bench/compare-numpy-turns}, which takes turns with numpy a
 * fraction of a second at a time, so that both are timed in the same seconds of this VM. (bench/compare-numpy
 * times numpy before and after a 16-minute JMH phase instead; this VM's speed moves within seconds.)
 *
 * <p>{@code java -cp bench/target/benchmarks.jar nci.bench.GemmLoop [--threads N]} starts a JVM with
 * {@link JvmFlags#ALL} (the flags the GEMM benchmarks fork with) and serves, in the {@link CommandLoop} protocol:
 * {@code ready threads=N lanes=L}, then for each line {@code run BENCH T KxN SECONDS} (BENCH one of
 * {@code matmul}, {@code packedMatmul}, {@code lmHead}: the GemmBench method of that name) it runs that product
 * back to back for SECONDS (at least once) and answers {@code gflops G calls C}, G = 2·T·K·N·C / elapsed. A cell's
 * operands are GemmBench's own, made by its {@code @Setup}, which checks the kernel against its scalar twin first;
 * they are kept until a command names another cell (one cell at a time: the LM head's B alone is 154 MB).
 */
public final class GemmLoop {
    private GemmLoop() {}

    /** Set in the forked JVM, so that it serves instead of forking again. */
    static final String FORKED = "nci.gemmloop.forked";

    public static void main(String[] args) throws IOException, InterruptedException {
        int threads = CommandLoop.threads("GemmLoop", args);
        if (System.getProperty(FORKED) == null) {
            System.exit(CommandLoop.fork(GemmLoop.class, FORKED, JvmFlags.ALL, args));
            return;
        }
        try (Cells cells = new Cells(threads)) {
            CommandLoop.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out,
                    "ready threads=" + threads + " lanes=" + FmaPeak.lanes(), cells::answer);
        }
    }

    /** The current cell's operands and what {@code run} times, for one thread count. */
    static final class Cells implements AutoCloseable {
        private final int threads;
        private String key;
        private GemmBench.Operands operands;
        private Runnable op;

        Cells(int threads) {
            if (threads < 1) throw new IllegalArgumentException("GemmLoop: threads must be >= 1, got " + threads);
            this.threads = threads;
        }

        /** Answers {@code run BENCH T KxN SECONDS}; anything else is an IllegalArgumentException naming the fault. */
        String answer(String command) {
            String[] f = command.split("\\s+");
            if (f.length != 5 || !f[0].equals("run"))
                throw new IllegalArgumentException("unknown command '" + command + "' (expected: run BENCH T KxN SECONDS, or quit)");
            int t;
            double seconds;
            try {
                t = Integer.parseInt(f[2]);
                seconds = Double.parseDouble(f[4]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("T must be a whole number and SECONDS a number, got '" + f[2] + "' and '" + f[4] + "'");
            }
            if (t < 1) throw new IllegalArgumentException("T must be >= 1, got " + t);
            if (!(seconds > 0 && seconds <= 60)) throw new IllegalArgumentException("SECONDS must be in (0, 60], got " + f[4]);
            int[] kn = GemmBench.parseShape(f[3]);
            select(f[1], t, f[3]);
            long calls = 0, start = System.nanoTime(), end = start + (long) (seconds * 1e9), now;
            do {
                op.run();
                calls++;
                now = System.nanoTime();
            } while (now < end);
            return String.format(Locale.ROOT, "gflops %.3f calls %d", 2.0 * t * kn[0] * kn[1] * calls / (now - start), calls);
        }

        /** Makes BENCH's operands for [T, K] x [K, N] current (GemmBench's @Setup, with its checks), unless they are. */
        private void select(String bench, int t, String shape) {
            String want = bench + " " + t + " " + shape;
            if (want.equals(key)) return;
            close();
            GemmBench.Operands s = switch (bench) {
                case "matmul" -> new GemmBench.Fast();
                case "packedMatmul" -> new GemmBench.Packed();
                case "lmHead" -> new GemmBench.LmHead();
                default -> throw new IllegalArgumentException("unknown BENCH '" + bench + "' (expected matmul, packedMatmul or lmHead)");
            };
            s.params(t, shape, threads);
            s.setup();
            // what GemmBench's @Benchmark method of that name times
            op = switch (s) {
                case GemmBench.Fast f -> () -> Gemm.matmul(f.a, 0, f.t, f.k, f.b, f.bias, f.c, 0);
                case GemmBench.Packed p -> () -> Gemm.matmul(p.a, 0, p.t, p.k, p.b, null, p.packed, p.bias, p.c, 0);
                case GemmBench.LmHead l -> () -> Gemm.matmulTransposed(l.a, 0, l.t, l.k, l.b, l.c, 0);
                default -> throw new IllegalStateException("no op for " + s.getClass().getSimpleName());
            };
            operands = s;
            key = want;
        }

        /** Frees the current cell's operands. */
        @Override
        public void close() {
            if (operands != null) operands.close();
            operands = null;
            op = null;
            key = null;
        }
    }
}
