package nci.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A benchmark served on command over stdin/stdout, for the scripts that take turns with another program so that
 * both are timed in the same seconds of this drifting machine: {@link SweepLoop} (bench/sweep-vs-seed) and
 * {@link GemmLoop} (bench/compare-numpy-turns).
 *
 * <p>The protocol: the loop prints one {@code ready ...} line; then each input line is a command, answered with
 * exactly one line; {@code quit} or the end of the input ends it. A command the loop cannot run is answered with
 * {@code error: <why>} and changes nothing, so a script never waits for a line that will not come.
 */
final class CommandLoop {
    private CommandLoop() {}

    /** Runs one command (stripped, never {@code quit}): its answer line, or IllegalArgumentException saying why not. */
    @FunctionalInterface
    interface Handler {
        String answer(String command);
    }

    /**
     * Prints {@code ready}, then answers each line of {@code in} until {@code quit} or the end of the input.
     * Returns the number of commands answered without error.
     */
    static int serve(BufferedReader in, PrintStream out, String ready, Handler handler) throws IOException {
        out.println(ready);
        out.flush();
        int answered = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String cmd = line.strip();
            if (cmd.equals("quit")) break;
            try {
                String answer = handler.answer(cmd);
                answered++;
                out.println(answer);
            } catch (IllegalArgumentException e) {
                out.println("error: " + e.getMessage());
            }
            out.flush();
        }
        return answered;
    }

    /** {@code --threads N} (default 2), the only argument; messages start with {@code name}. */
    static int threads(String name, String[] args) {
        int threads = 2;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads")) {
                if (i + 1 == args.length) throw new IllegalArgumentException(name + ": --threads needs a number");
                try {
                    threads = Integer.parseInt(args[++i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(name + ": --threads needs a number, got '" + args[i] + "'");
                }
                if (threads < 1) throw new IllegalArgumentException(name + ": --threads must be >= 1, got " + threads);
            } else {
                throw new IllegalArgumentException(name + ": unknown argument '" + args[i] + "' (usage: " + name + " [--threads N])");
            }
        }
        return threads;
    }

    /**
     * {@code main} again, in a JVM with {@code flags} and {@code -D<forked>=true} (so that it serves instead of
     * forking), sharing stdin, stdout and stderr: its exit code. The benchmarks' JVM flags live in {@link JvmFlags}, so
     * the loops run with exactly the flags their JMH benchmarks fork with.
     */
    static int fork(Class<?> main, String forked, List<String> flags, String[] args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.add("-D" + forked + "=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
