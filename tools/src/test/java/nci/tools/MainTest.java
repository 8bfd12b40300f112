package nci.tools;

import static nci.tools.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The program's own contract: help on every command, the hint in a command-line error, one-line error messages. */
class MainTest {

    /** Every subcommand, required options and all, answers -h and --help with its usage on stdout and exit 0. */
    @Test
    void everySubcommandPrintsItsHelp() {
        List<String> names = new CommandLine(new Main()).getSubcommands().keySet().stream().toList();
        assertTrue(names.containsAll(List.of("tokenize", "forward", "download", "patch", "sweep", "demo", "run", "help")), names.toString());
        for (String name : names) {
            for (String flag : List.of("--help", "-h")) {
                var o = run(name, flag);
                assertEquals(0, o.code(), name + " " + flag + ": " + o.describe());
                assertTrue(o.out().contains("Usage: nci " + name + " "), name + " " + flag + ": " + o.describe());
                assertEquals(List.of(), o.errorLines(), name + " " + flag);
            }
        }
        var forward = run("forward", "--help");
        assertTrue(forward.out().contains("--ids=IDS") && forward.out().contains("--top=N"), forward.out());
        var sweep = run("sweep", "--help");
        assertTrue(sweep.out().contains("--counterfactual=TEXT"), sweep.out());
    }

    /**
     * No command is a usage error: the usage on stderr, exit 2, nothing on stdout. --help prints it on stdout, exit 0,
     * with the launcher's own commands (test, bench) in its footer; every --model option says it takes hub names too.
     */
    @Test
    void noCommandIsAUsageError() {
        var none = run();
        assertEquals(2, none.code(), none.describe());
        assertEquals("", none.out());
        assertTrue(none.err().contains("Usage: nci [-hV] [COMMAND]"), none.describe());
        var help = run("--help");
        assertEquals(0, help.code(), help.describe());
        assertTrue(help.out().contains("./nci test    the test suite") && help.out().contains("./nci bench [gemm|forward|sweep|all]"), help.out());
        for (String name : List.of("tokenize", "forward", "patch", "sweep", "demo"))
            assertTrue(run(name, "--help").out().replaceAll("\\s+", " ").contains("hub name such as gpt2"), name);
    }

    /**
     * A malformed HF_TOKEN (a control character) is refused without being shown when the hub is needed, and does not
     * stop a command on a local model folder. In a child JVM, since the settings come from the environment.
     */
    @Test
    void aBadTokenNeitherShowsNorStopsLocalCommands() throws Exception {
        String secret = "hf_sec\u0001ret";
        List<String> jvm = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules",
                "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName());
        for (boolean local : new boolean[] {true, false}) {
            List<String> cmd = new java.util.ArrayList<>(jvm);
            cmd.addAll(List.of("forward", "--no-packed-cache", "--model", local ? Cli.model("tiny-a").toString() : "org/not-here", "--ids", "1,2"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
            pb.environment().put("HF_TOKEN", secret);
            pb.environment().put("HF_HUB_OFFLINE", "1");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int code = p.waitFor();
            assertFalse(out.contains("sec") || err.contains("sec"), out + err);
            if (local) {
                assertEquals(0, code, err);
                assertTrue(out.contains("top 10 next tokens"), out);
            } else {
                assertEquals(1, code, err);
                assertTrue(err.contains("HF_TOKEN holds a character an HTTP header cannot carry: U+0001 at index 6"), err);
            }
        }
    }

    /** The hint names the command whose usage to read: "nci" at the top level, "nci forward" below it. */
    @Test
    void parameterErrorsPointToTheRightHelp() {
        var top = run("--bogus");
        assertEquals(2, top.code(), top.describe());
        assertEquals(List.of("nci: Unknown option: '--bogus' (see 'nci --help')"), top.errorLines());
        var sub = run("forward", "--bogus");
        assertEquals(2, sub.code(), sub.describe());
        assertEquals(List.of("nci: Unknown option: '--bogus' (see 'nci forward --help')"), sub.errorLines());
        var missing = run("patch", "--out", "x.json");
        assertEquals(List.of("nci: Missing required option: '--spec=SPEC.json' (see 'nci patch --help')"), missing.errorLines());
    }

    /** Every file-system error says what happened and names the path (the JDK's message of most is the bare path). */
    @Test
    void fileSystemErrorsSayWhatHappenedToWhichFile() {
        assertEquals("permission denied: /m/config.json", Main.message(new AccessDeniedException("/m/config.json")));
        assertEquals("no such file: /m/vocab.json", Main.message(new NoSuchFileException("/m/vocab.json")));
        assertEquals("no such file: /m/vocab.json: GPT-2 tokenizer file vocab.json not found",
                Main.message(new NoSuchFileException("/m/vocab.json", null, "GPT-2 tokenizer file vocab.json not found")));
        assertEquals("already exists: /o/x.json", Main.message(new FileAlreadyExistsException("/o/x.json")));
        assertEquals("not a folder: /o/file/x", Main.message(new NotDirectoryException("/o/file/x")));
        assertEquals("folder not empty: /o/d", Main.message(new DirectoryNotEmptyException("/o/d")));
        assertEquals("permission denied: /a -> /b", Main.message(new AccessDeniedException("/a", "/b", null)));
        assertEquals("/o/x: Read-only file system", Main.message(new FileSystemException("/o/x", null, "Read-only file system")));
        assertEquals("file system error: /o/x", Main.message(new FileSystemException("/o/x")));
        assertEquals("Read-only file system", Main.message(new FileSystemException(null, null, "Read-only file system")));
        // wrapped: the wrapper's message adds to the cause's, and a bare new UncheckedIOException(e) adds nothing
        assertEquals("cannot read the study: permission denied: /s.json",
                Main.message(new IllegalStateException("cannot read the study", new AccessDeniedException("/s.json"))));
        assertEquals("permission denied: /s.json", Main.message(new UncheckedIOException(new AccessDeniedException("/s.json"))));
        assertEquals("IllegalStateException", Main.message(new IllegalStateException()));
    }

    /** A message may quote a server or a file: its control characters must not reach the terminal (ESC clears it). */
    @Test
    void messagesEscapeControlCharacters() {
        assertEquals("a\\u001B[2J\\u0000b\\u009Bc d e", Main.message(new java.io.IOException("a\u001b[2J\u0000b\u009bc\nd\te")));
        assertEquals("wrapped: x\\u0007", Main.message(new IllegalStateException("wrapped", new java.io.IOException("x\u0007"))));
    }

    /** A write error without a path ("No space left on device") gets forward's --out named. */
    @Test
    void forwardNamesItsOutputInAWriteError() {
        IOException e = ForwardCommand.writeFailed(Path.of("/out/x.safetensors"), new IOException("No space left on device"));
        assertEquals("cannot write --out /out/x.safetensors: No space left on device", Main.message(e));
        IOException denied = ForwardCommand.writeFailed(Path.of("x.safetensors"), new AccessDeniedException("/w/x.safetensors.tmp"));
        assertEquals("cannot write --out x.safetensors: permission denied: /w/x.safetensors.tmp", Main.message(denied));
    }

    /** A real unreadable config.json (skipped where permissions do not apply, e.g. as root). */
    @Test
    void anUnreadableModelFileIsReportedByName(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        for (String f : List.of("config.json", "model.safetensors", "vocab.json", "merges.txt"))
            Files.copy(Path.of(CliTest.TINY_A).resolve(f), model.resolve(f));
        Path config = model.resolve("config.json");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("---------"));
        try {
            Assumptions.assumeFalse(Files.isReadable(config), "permissions are not enforced for this user");
            var o = run("forward", "--model", model.toString(), "--ids", "1,2", "--no-packed-cache");
            assertEquals(1, o.code(), o.describe());
            assertEquals(List.of("nci: permission denied: " + config), o.errorLines());
        } finally {
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
