package nci.tools;

import static nci.tools.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The program's own contract: help on every command, the hint in a command-line error. */
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
}
