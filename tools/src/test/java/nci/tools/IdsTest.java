package nci.tools;

import static nci.tools.CliTest.TINY_A;
import static nci.tools.CliTest.assertError;
import static nci.tools.Cli.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Token-id lists on the command line: ASCII digits, no empty items, the same rule wherever ids are given. */
class IdsTest {

    @Test
    void parsesDigitsTrimmedAndBracketed() {
        assertArrayEquals(new int[] {15496, 995}, Ids.parse("15496,995", "--ids"));
        assertArrayEquals(new int[] {15496, 995}, Ids.parse(" [15496, 995] ", "--ids"));
        assertArrayEquals(new int[] {0, 7}, Ids.parse("00,7", "--ids"));
        assertArrayEquals(new int[] {Integer.MAX_VALUE}, Ids.parse("2147483647", "--ids"));
    }

    @Test
    void rejectsEmptyItemsAndAnythingButAsciiDigits() {
        assertMessage("--ids: item 1 is empty (in \"1,\")", "1,");
        assertMessage("--ids: item 1 is empty (in \"1,,2\")", "1,,2");
        assertMessage("--ids: item 0 is empty (in \",1\")", ",1");
        assertMessage("--ids: no token ids given", " ");
        assertMessage("--ids: no token ids given", "[]");
        assertMessage("--ids: '\u0663\u0663' (item 0) is not a token id (expected digits 0-9)", "\u0663\u0663");   // Arabic-Indic 33
        assertMessage("--ids: '\uFF11\uFF12' (item 1) is not a token id (expected digits 0-9)", "5,\uFF11\uFF12"); // fullwidth 12
        assertMessage("--ids: '+5' (item 0) is not a token id (expected digits 0-9)", "+5");
        assertMessage("--ids: '-3' (item 2) is not a token id (expected digits 0-9)", "1,2,-3");
        assertMessage("--ids: '1 2' (item 0) is not a token id (expected digits 0-9)", "1 2");
        assertMessage("--ids: '2147483648' (item 0) is too large for a token id", "2147483648");
    }

    /** tokenize --decode, forward --ids and sweep --positions share the rule. */
    @Test
    void everyCommandAppliesTheRule() {
        assertError(run("tokenize", "--model", TINY_A, "--decode", "15496,"), "--decode: item 1 is empty");
        assertError(run("tokenize", "--model", TINY_A, "--decode", "\u0663\u0663"), "--decode: '\u0663\u0663' (item 0) is not a token id");
        assertError(run("forward", "--model", TINY_A, "--ids", "1,"), "--ids: item 1 is empty");
        assertError(run("forward", "--model", TINY_A, "--ids", "\uFF11\uFF12"), "--ids: '\uFF11\uFF12' (item 0) is not a token id");
        assertError(run("forward", "--model", TINY_A, "--ids", "+5"), "--ids: '+5' (item 0) is not a token id");
        assertError(run("sweep", "--model", TINY_A, "--clean", "The capital of Spain is", "--counterfactual", "The capital of Italy is",
                "--targets", " Madrid", "--positions", "+3", "--out", "/nonexistent/never-written"), "--positions: '+3' (item 0) is not a position");
        assertEquals("Hello world\n", run("tokenize", "--model", TINY_A, "--decode", "[15496, 995]").out());
    }

    private static void assertMessage(String expected, String csv) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> Ids.parse(csv, "--ids")).getMessage());
    }
}
