package nci.tools;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The nci command-line program. Every subcommand prints its result on stdout; errors go to stderr as one
 * line {@code nci: <what is wrong>} with exit code 1 (2 for a malformed command line).
 */
@Command(name = "nci", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Causal interventions (path patching) on GPT-2 models, in pure Java.",
        subcommands = {
                TokenizeCommand.class,
                ForwardCommand.class,
                DownloadCommand.class,
                PatchCommand.class,
                SweepCommand.class,
                DemoCommand.class,
                RunCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    public static final String VERSION = "0.1.0";

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() { return new String[] {"nci " + VERSION}; }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args, utf8(FileDescriptor.out), utf8(FileDescriptor.err)));
    }

    /** Runs the program with the given streams; returns the exit code (tests call this directly). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PrintStream oldOut = System.out, oldErr = System.err;
        System.setOut(out);
        System.setErr(err);
        try {
            CommandLine cl = new CommandLine(new Main());
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            cl.setExecutionExceptionHandler((ex, line, parsed) -> {
                err.println("nci: " + message(ex));
                if (Boolean.getBoolean("nci.debug")) ex.printStackTrace(err);
                return 1;
            });
            cl.setParameterExceptionHandler((ex, a) -> {
                err.println("nci: " + ex.getMessage() + " (see 'nci " + commandName(ex.getCommandLine()) + " --help')");
                return 2;
            });
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static String commandName(CommandLine cl) {
        String q = cl.getCommandSpec().qualifiedName(" ");
        return q.startsWith("nci ") ? q.substring(4) : "";
    }

    /** One line: the exception's own message, or its type when it has none; causes appended when they add information. */
    static String message(Throwable ex) {
        StringBuilder sb = new StringBuilder();
        Throwable t = ex;
        while (t != null) {
            String m = t.getMessage();
            String part = m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
            if (t instanceof java.nio.file.NoSuchFileException) part = "no such file: " + m;
            if (sb.isEmpty()) sb.append(part);
            else if (!sb.toString().contains(part)) sb.append(": ").append(part);
            t = t.getCause() == t ? null : t.getCause();
        }
        return sb.toString().replace('\n', ' ');
    }

    private static PrintStream utf8(FileDescriptor fd) {
        return new PrintStream(new FileOutputStream(fd), true, StandardCharsets.UTF_8);
    }
}
