package nci.tools;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The nci command-line program. Every subcommand prints its result on stdout; errors go to stderr as one
 * line {@code nci: <what is wrong>} with exit code 1 (2 for a malformed command line). {@code -h}/{@code --help}
 * (and {@code -V}) are inherited by every subcommand ({@code scope = INHERIT}), so {@code nci forward --help}
 * prints its usage and exits 0 before any required option is checked.
 */
@Command(name = "nci", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = Main.Version.class,
        description = "Causal interventions (path patching) on GPT-2 models, in pure Java.",
        footer = {"", "The ./nci launcher also runs:", "  ./nci test    the test suite (mvn -B verify)",
                "  ./nci bench [gemm|forward|sweep|all] [--quick] --json FILE", "                the JMH benchmarks (see bench/README.md)"},
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
public final class Main implements Callable<Integer> {

    public static final String VERSION = "0.1.0";

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() { return new String[] {"nci " + VERSION}; }
    }

    /** No command given: the usage, on stderr, and exit status 2 (a usage error, as for an unknown option). */
    @Override
    public Integer call() {
        new CommandLine(this).usage(System.err);
        return 2;
    }

    public static void main(String[] args) {
        PrintStream out = utf8(FileDescriptor.out), err = utf8(FileDescriptor.err);
        String undecoded = undecodedArgument(args, System.getProperty("sun.jnu.encoding", "UTF-8"));
        if (undecoded != null) {
            err.println("nci: " + undecoded);
            System.exit(2);
        }
        System.exit(run(args, out, err));
    }

    /**
     * The JVM decodes its command-line arguments with the locale's charset ({@code sun.jnu.encoding}, fixed at JVM
     * start). Under the C/POSIX locale that is ASCII, and every other byte of a prompt or a path arrives as U+FFFD: a
     * prompt would silently become another text. The {@code ./nci} launcher runs the JVM under C.UTF-8 then; this
     * catches {@code java -jar nci.jar} run the same way. Returns what is wrong, or null. (Under a UTF-8 locale a
     * U+FFFD is one the user typed, and it is kept.)
     */
    static String undecodedArgument(String[] args, String charset) {
        if (charset.equalsIgnoreCase("UTF-8") || charset.equalsIgnoreCase("UTF8")) return null;
        for (int i = 0; i < args.length; i++)
            if (args[i].indexOf('\uFFFD') >= 0)
                return "argument " + (i + 1) + " \"" + args[i] + "\" has characters this JVM could not decode: the locale's charset is "
                        + charset + "; run it under a UTF-8 locale (e.g. LC_ALL=C.UTF-8)";
        return null;
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
                err.println("nci: " + ex.getMessage() + " (see '" + commandName(ex.getCommandLine()) + " --help')");
                return 2;
            });
            return cl.execute(args);
        } catch (OutOfMemoryError e) {                    // commands check sizes up front; this is the fallback
            err.println("nci: " + outOfMemory(e, Runtime.getRuntime().maxMemory()));
            if (Boolean.getBoolean("nci.debug")) e.printStackTrace(err);
            return 1;
        } finally {
            out.flush();
            err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** One line for an OutOfMemoryError, with the heap's size and how to raise it. */
    static String outOfMemory(OutOfMemoryError e, long maxHeap) {
        return String.format(Locale.ROOT, "out of memory (%s) in a Java heap of at most %.1f GiB: give java more with NCI_JAVA_OPTS=-Xmx<size>, "
                + "or ask for less", e.getMessage() == null ? "OutOfMemoryError" : e.getMessage(), maxHeap / (double) (1L << 30));
    }

    /** "nci" for the top level, "nci forward" for a subcommand. */
    static String commandName(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName(" ");
    }

    /**
     * One line: the exception's own message, or its type when it has none; causes appended when they add information.
     * A wrapper whose message is only its cause's {@code toString()} ({@code new UncheckedIOException(e)}) is skipped.
     */
    static String message(Throwable ex) {
        StringBuilder sb = new StringBuilder();
        Throwable t = ex;
        while (t != null) {
            String m = t.getMessage();
            Throwable cause = t.getCause() == t ? null : t.getCause();
            if (cause == null || m == null || !m.equals(cause.toString())) {
                String part = t instanceof FileSystemException f ? fileProblem(f) : m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
                if (sb.isEmpty()) sb.append(part);
                else if (!sb.toString().contains(part)) sb.append(": ").append(part);
            }
            t = cause;
        }
        return printable(sb.toString());
    }

    /**
     * One line safe for a terminal: line breaks and tabs become spaces, other control characters (ESC, NUL, DEL, C1),
     * which a message may quote from a server or a file, become a backslash-u escape of four hex digits.
     */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == '\t') sb.append(' ');
            else if (Character.isISOControl(c)) sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }

    /**
     * What happened, then the JDK's message, which names the file (and the other file, and a reason, when it has
     * them): "permission denied: /m/config.json". The JDK gives only the path for these subclasses; a plain
     * FileSystemException says what happened in its reason ("/x: Read-only file system").
     */
    static String fileProblem(FileSystemException e) {
        String what = switch (e) {
            case NoSuchFileException _ -> "no such file";
            case AccessDeniedException _ -> "permission denied";
            case FileAlreadyExistsException _ -> "already exists";
            case NotDirectoryException _ -> "not a folder";
            case DirectoryNotEmptyException _ -> "folder not empty";
            case NotLinkException _ -> "not a symbolic link";
            case FileSystemLoopException _ -> "symbolic link loop";
            default -> e.getReason() == null ? "file system error" : null;
        };
        String m = e.getMessage();
        return what == null ? m : m == null || m.isBlank() ? what : what + ": " + m;
    }

    private static PrintStream utf8(FileDescriptor fd) {
        return new PrintStream(new FileOutputStream(fd), true, StandardCharsets.UTF_8);
    }
}
