package nci.patching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Node names, paths and the declarative rules at the boundary. */
class NodeAndRulesTest {

    @ParameterizedTest
    @ValueSource(strings = {"emb", "ln_final", "a0", "a11", "a3.resid", "a2.head", "a2.head5", "a2.head5.q", "a2.head5.k",
            "a2.head5.v", "a1.head.pos12", "f0", "f7.resid", "f3.head", "f3.head.pos0"})
    void namesRoundTrip(String name) {
        assertEquals(name, Node.parse(name).name());
    }

    @Test
    void parsedNodesAreTyped() {
        assertEquals(new Node.HeadInput(2, 5, Node.Qkv.Q), Node.parse("a2.head5.q"));
        assertEquals(new Node.AttnPos(1, 12), Node.parse("a1.head.pos12"));
        assertEquals(new Node.MlpPos(3, 0), Node.parse("f3.head.pos0"));
        assertEquals(new Node.AttnHeads(2), Node.parse("a2.head"));
        assertEquals(new Node.MlpHead(2), Node.parse("f2.head"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "a01", "a-1", "x1", "a1.", "a1.head.pos", "a1.head.posx", "f1.head3", "f1.head3.q",
            "a1.head3.x", "a1.head3.q.k", " a1", "a1 ", "A1", "emb(0)", "a1.pos2", "f1.pos2", "none", "a1.head03"})
    void badNamesAreRejectedNamingTheString(String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> Node.parse(name));
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
    }

    @Test
    void misfitNamesTheDimension() {
        assertNull(Node.parse("a1.head3.q").misfit(2, 4, 5));
        assertTrue(Node.parse("a2").misfit(2, 4, 5).contains("layer 2 out of range"));
        assertTrue(Node.parse("a1.head4").misfit(2, 4, 5).contains("head 4 out of range"));
        assertTrue(Node.parse("f0.head.pos5").misfit(2, 4, 5).contains("position 5 out of range"));
    }

    @Test
    void pathsAreImmutableAndDropTheirLastNode() {
        Path p = Path.of(Node.LN_FINAL, new Node.Mlp(1));
        Path q = p.append(new Node.Attn(1));
        assertEquals("ln_final f1", p.toString());
        assertEquals("ln_final f1 a1", q.toString());
        assertEquals(p, q.withoutLast());
        assertTrue(q.contains(new Node.Attn(1)));
        assertEquals(new Node.Attn(1), q.last());
    }

    static JsonNode json(String s) {
        try {
            return Fixtures.JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void branchRulesFollowTheFirstMatchWithUnlessInPath() {
        BranchRules b = BranchRules.fromJson(json("[{'at':'f1','value':true},{'at':'f1.head','value':'positions'},"
                + "{'at':'f0','value':true,'unless_in_path':['f1']},{'at':'f0','value':'positions'},{'at':'a0.head','value':'heads'}]"), "branch");
        Path root = Path.of(Node.LN_FINAL);
        assertEquals(Split.SPLIT, b.branch(root.append(Node.parse("f1"))));
        assertEquals(Split.POSITIONS, b.branch(root.append(Node.parse("f1"), Node.parse("f1.head"))));
        assertEquals(Split.SPLIT, b.branch(root.append(Node.parse("f0"))));
        assertEquals(Split.POSITIONS, b.branch(root.append(Node.parse("f1"), Node.parse("a1"), Node.parse("f0"))),
                "the blocked rule is skipped, the next rule for f0 applies");
        assertEquals(Split.HEADS, b.branch(root.append(Node.parse("a0"), Node.parse("a0.head"))));
        assertEquals(Split.NONE, b.branch(root.append(Node.parse("a1"))));
        assertEquals(b, BranchRules.fromJson(b.toJson(), "branch"), "JSON round trip");
    }

    @Test
    void whichRulesMatchWholeNodesNotSubstrings() {
        WhichRules w = WhichRules.fromJson(json("{'rules':[{'if_in_path':'a1.head.pos2','input':0},{'if_in_path':'a1','input':2}],'default':1}"), "which");
        Path p = Path.of(Node.LN_FINAL, Node.parse("f1"), Node.parse("a1"), Node.parse("a1.head"), Node.parse("a1.head.pos2"), Node.EMB);
        assertEquals(0, w.which(p));
        assertEquals(2, w.which(Path.of(Node.LN_FINAL, Node.parse("f1"), Node.parse("a1"), Node.parse("a1.head"), Node.parse("a1.head.pos12"), Node.EMB)));
        assertEquals(1, w.which(Path.of(Node.LN_FINAL, Node.parse("f1"), Node.parse("f0"), Node.parse("a0"), Node.EMB)),
                "a1 is not a substring match of a0 or f1");
        assertEquals(2, w.maxInput());
        assertEquals(w, WhichRules.fromJson(w.toJson(), "which"));
    }

    @Test
    void ruleErrorsNameTheField() {
        assertMessage(() -> BranchRules.fromJson(json("[{'at':'a1','value':true},{'at':'a9x','value':true}]"), "branch"), "branch[1].at: unknown node name 'a9x'");
        assertMessage(() -> BranchRules.fromJson(json("[{'at':'a1','value':'sideways'}]"), "branch"), "branch[0].value: bad value \"sideways\"");
        assertMessage(() -> BranchRules.fromJson(json("[{'at':'a1','value':1}]"), "branch"), "branch[0].value: bad value 1");
        assertMessage(() -> BranchRules.fromJson(json("[{'at':'a1','value':true,'when':'x'}]"), "branch"), "branch[0]: unknown field 'when'");
        assertMessage(() -> BranchRules.fromJson(json("[{'value':true}]"), "branch"), "branch[0].at: missing");
        assertMessage(() -> BranchRules.fromJson(json("[{'at':'a1','value':true,'unless_in_path':['f1','q']}]"), "branch"),
                "branch[0].unless_in_path[1]: unknown node name 'q'");
        assertMessage(() -> BranchRules.fromJson(json("[{'at':'emb','value':true}]"), "branch"), "branch[0].at: branch is never asked about 'emb'");
        assertMessage(() -> WhichRules.fromJson(json("{'rules':[{'if_in_path':'a1.head','input':-1}],'default':0}"), "which"), "which.rules[0].input: expected an input index >= 0");
        assertMessage(() -> WhichRules.fromJson(json("{'rules':[{'if_in_path':'a1.heads','input':1}],'default':0}"), "which"), "which.rules[0].if_in_path: unknown node name 'a1.heads'");
        assertMessage(() -> WhichRules.fromJson(json("{'rules':[],'default':0,'fallback':1}"), "which"), "which: unknown field 'fallback'");
        assertMessage(() -> WhichRules.fromJson(json("{'rules':[]}"), "which"), "which.default: missing");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable ex, String expected) {
        var e = assertThrows(IllegalArgumentException.class, ex);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void everyFixtureRuleParses() {
        int n = 0;
        for (String m : List.of("tiny-a", "tiny-b", "tiny-g")) {
            for (JsonNode c : Fixtures.json(Fixtures.dir().resolve("cases/" + m + ".cases.json")).get("cases")) {
                BranchRules b = BranchRules.fromJson(c.get("branch"), "branch");
                WhichRules w = WhichRules.fromJson(c.get("which"), "which");
                assertEquals(c.get("branch").size(), b.rules().size());
                assertEquals(c.get("which").get("rules").size(), w.rules().size());
                n++;
            }
        }
        assertTrue(n >= 70, "public cases parsed: " + n);
    }
}
