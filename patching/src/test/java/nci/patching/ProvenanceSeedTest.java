package nci.patching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import nci.gpt2.Activation;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.patching.Provenance.Computed;
import nci.patching.Provenance.Input;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Provenance#seedCacheEntries()} and {@link Provenance#seedView()} (one bottom-up walk) against
 * {@link #referenceEntries}, the earlier algorithm kept verbatim in spirit: render the subtree afresh at every
 * keyed node. Trees: every fixture case and sweep run (also checked against the fixtures' numbers), the
 * engine's trees on a seeded 12-layer, 12-head model, seeded random trees over every node kind, and small
 * trees whose count is worked out by hand.
 */
class ProvenanceSeedTest {

    // ------------------------------------------------------------------ the reference (quadratic) algorithm

    /** The earlier implementation: one render() of the whole subtree per keyed node. */
    static int referenceEntries(Provenance p) {
        Set<String> seen = new HashSet<>();
        referenceCount(p, seen);
        return seen.size();
    }

    private static void referenceCount(Provenance p, Set<String> seen) {
        switch (p) {
            case Input in -> seen.add(in.render());
            case Computed c -> {
                switch (c.node()) {
                    case Node.LnFinal n -> seen.add(c.render());
                    case Node.Attn n -> {
                        seen.add(c.render());
                        if (c.children().size() == 1)
                            seen.add(new Computed(new Node.AttnHeads(n.layer()), c.children()).render());
                    }
                    case Node.Mlp n -> {
                        seen.add(c.render());
                        if (c.children().size() == 1)
                            seen.add(new Computed(new Node.MlpHead(n.layer()), c.children()).render());
                    }
                    case Node.AttnHeads n -> {
                        if (!(c.children().size() == 1 && c.children().getFirst() instanceof Computed k
                                && k.node().equals(n))) seen.add(c.render());
                    }
                    case Node.MlpHead n -> {
                        if (!(c.children().size() == 1 && c.children().getFirst() instanceof Computed k
                                && k.node().equals(n))) seen.add(c.render());
                    }
                    default -> { }
                }
                for (Provenance k : referenceCollapsed(c)) referenceCount(k, seen);
            }
        }
    }

    private static List<Provenance> referenceCollapsed(Computed c) {
        List<Provenance> k = c.children();
        if (c.node() instanceof Node.AttnHead && k.size() == 3 && k.get(0).equals(k.get(1)) && k.get(1).equals(k.get(2)))
            return List.of(k.get(0));
        return k;
    }

    /** Both new entry points agree with the reference and with render(); the message names the tree. */
    private static void assertSameAsReference(String id, Provenance p) {
        int ref = referenceEntries(p);
        Provenance.SeedView view = p.seedView();
        String path = p.render();
        assertEquals(ref, p.seedCacheEntries(), () -> id + ": seedCacheEntries vs reference, tree " + abbreviate(path));
        assertEquals(ref, view.cacheEntries(), () -> id + ": seedView().cacheEntries() vs reference, tree " + abbreviate(path));
        assertEquals(path, view.path(), () -> id + ": seedView().path() vs render()");
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "... (" + s.length() + " chars)";
    }

    // ------------------------------------------------------------------ hand-worked trees

    private static Computed node(Node n, Provenance... kids) { return new Computed(n, List.of(kids)); }

    @Test
    void unsplitAttentionIsKeyedTwice() {
        // a0(emb(0)): emb(0), a0(emb(0)) and the attention's own key a0.head(emb(0)).
        Provenance p = node(new Node.Attn(0), new Input(0));
        assertEquals(3, p.seedCacheEntries());
        assertEquals(new Provenance.SeedView("a0(emb(0))", 3), p.seedView());
        // f0(a0(emb(0))): plus f0(...) and f0.head(a0(emb(0))).
        assertEquals(5, node(new Node.Mlp(0), p).seedCacheEntries());
    }

    @Test
    void splitWrapperAroundTheAttentionsOwnNodeIsNotKeyed() {
        // a0(a0.resid(emb(0)),a0.head(a0.head(emb(1)))): emb(0), emb(1), the whole a0, the inner a0.head(emb(1));
        // the outer a0.head wraps the attention's own node and is not a key of its own.
        Provenance inner = node(new Node.AttnHeads(0), new Input(1));
        Provenance p = node(new Node.Attn(0), node(new Node.AttnResid(0), new Input(0)), node(new Node.AttnHeads(0), inner));
        assertEquals("a0(a0.resid(emb(0)),a0.head(a0.head(emb(1))))", p.render());
        assertEquals(4, p.seedCacheEntries());
        // The same for fN: f1(f1.resid(emb(0)),f1.head(f1.head(emb(0)))) keys emb(0), f1(...), f1.head(emb(0)).
        Provenance f = node(new Node.Mlp(1), node(new Node.MlpResid(1), new Input(0)),
                node(new Node.MlpHead(1), node(new Node.MlpHead(1), new Input(0))));
        assertEquals(3, f.seedCacheEntries());
        // A wrapper around a different layer's node is keyed: a1.head(a0.head(emb(1))) adds itself.
        Provenance other = node(new Node.AttnHeads(1), inner);
        assertEquals(3, other.seedCacheEntries());
    }

    @Test
    void qkvCollapseOnlyForEqualTriples() {
        // Equal q/k/v (equal, not identical, subtrees): one child, so the key equals the unsplit head's.
        Provenance same = node(new Node.AttnHeads(0),
                node(new Node.AttnHead(0, 0), new Input(0), new Input(0), new Input(0)));
        assertEquals("a0.head(a0.head0(emb(0)))", same.seedView().path());
        assertEquals(2, same.seedCacheEntries());                  // emb(0), a0.head(a0.head0(emb(0)))
        Provenance mixed = node(new Node.AttnHeads(0),
                node(new Node.AttnHead(0, 0), new Input(0), new Input(1), new Input(0)));
        assertEquals("a0.head(a0.head0(emb(0),emb(1),emb(0)))", mixed.seedView().path());
        assertEquals(3, mixed.seedCacheEntries());                 // emb(0), emb(1), the head
        // A three-child node other than aN.headH never collapses.
        Provenance heads3 = node(new Node.AttnHeads(0), new Input(0), new Input(0), new Input(0));
        assertEquals("a0.head(emb(0),emb(0),emb(0))", heads3.seedView().path());
        assertEquals(2, heads3.seedCacheEntries());
    }

    @Test
    void seedViewRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Provenance.SeedView("", 1));
        assertThrows(IllegalArgumentException.class, () -> new Provenance.SeedView("emb(0)", 0));
    }

    // ------------------------------------------------------------------ fixture trees

    /** Every case and every node x position sweep run of a fixture model: reference, new, and the seed's numbers. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-a", "tiny-b", "tiny-g"})
    void fixtureCasesAndSweepRuns(String name) {
        JsonNode doc = Fixtures.json(Fixtures.dir().resolve("cases/" + name + ".cases.json"));
        Gpt2Model model = FixtureParityTest.model(name);
        PatchEngine engine = new PatchEngine(model, FixtureParityTest.digest(name), ActivationCache.disabled());
        int n = 0;
        for (JsonNode c : doc.get("cases")) {
            String id = name + "/" + c.get("id").asText();
            Provenance p = engine.run(Fixtures.inputs(c.get("inputs")), BranchRules.fromJson(c.get("branch"), "branch"),
                    WhichRules.fromJson(c.get("which"), "which")).provenance();
            assertSameAsReference(id, p);
            assertEquals(c.get("cache_entries").asInt(), p.seedCacheEntries(), id + ": seed cache_entries");
            assertEquals(c.get("path").asText(), p.seedView().path(), id + ": seed path");
            n++;
        }
        JsonNode sweep = doc.get("sweep");
        List<int[]> inputs = Fixtures.inputs(sweep.get("inputs"));
        List<Provenance> runs = provenances(engine, inputs, nodeAndPosition(model.config(), inputs.getFirst().length));
        JsonNode ref = sweep.get("runs");
        assertEquals(ref.size(), runs.size(), name + ": sweep runs");
        for (int i = 0; i < runs.size(); i++) {
            String id = name + " sweep run " + i;
            assertSameAsReference(id, runs.get(i));
            assertEquals(ref.get(i).get("cache_entries").asInt(), runs.get(i).seedCacheEntries(), id + ": seed cache_entries");
            assertEquals(ref.get(i).get("path").asText(), runs.get(i).seedView().path(), id + ": seed path");
        }
        assertTrue(n > 0, name + ": no fixture cases found");
    }

    /** GPT-2-small-shaped trees (12 layers, 12 heads; ~25 levels deep): node x position, per head, per q/k/v input. */
    @Test
    void deepEngineTrees() {
        Gpt2Model model = Fixtures.random(20240611L, 12, 12, 24, 64, Activation.GELU_NEW);
        PatchEngine engine = new PatchEngine(model, new ActivationCache(64L << 20));
        List<int[]> inputs = List.of(new int[] {3, 17, 5, 40, 9}, new int[] {3, 17, 6, 40, 9});
        Gpt2Config c = model.config();
        List<Intervention> ivs = new ArrayList<>(nodeAndPosition(c, 5));
        for (int l = 0; l < c.nLayer(); l++)
            for (int h = 0; h < c.nHead(); h += 5) {
                ivs.add(Interventions.head(l, h, 1, 0));
                for (Node.Qkv part : Node.Qkv.values()) ivs.add(Interventions.headInput(l, h, part, 1, 0));
            }
        List<Provenance> runs = provenances(engine, inputs, ivs);
        int maxDepth = 0;
        for (int i = 0; i < runs.size(); i++) {
            assertSameAsReference("12-layer run " + i, runs.get(i));
            maxDepth = Math.max(maxDepth, depth(runs.get(i)));
        }
        assertTrue(maxDepth >= 25, "12-layer trees should nest >= 25 levels, deepest " + maxDepth);
    }

    private static List<Intervention> nodeAndPosition(Gpt2Config c, int T) {
        List<Intervention> ivs = new ArrayList<>();
        ivs.add(Interventions.plain(0));
        for (int l = c.nLayer() - 1; l >= 0; l--)
            for (Node node : List.of(new Node.Mlp(l), new Node.Attn(l)))
                for (int p = 0; p < T; p++) ivs.add(Interventions.nodeAtPosition(node, p, 1, 0));
        return ivs;
    }

    private static List<Provenance> provenances(PatchEngine engine, List<int[]> inputs, List<Intervention> ivs) {
        List<Provenance> out = new ArrayList<>();
        for (PatchResult r : engine.runAll(inputs, ivs, RunOptions.DEFAULT)) out.add(r.provenance());
        return out;
    }

    private static int depth(Provenance p) {
        int d = 0;
        if (p instanceof Computed c) for (Provenance k : c.children()) d = Math.max(d, depth(k));
        return d + 1;
    }

    // ------------------------------------------------------------------ seeded random trees

    /** Kinds of node and shapes of children the random trees must have used, so the test cannot quietly thin out. */
    enum Shape { ONE_CHILD, THREE_DISTINCT, THREE_SAME_INSTANCE, THREE_EQUAL_COPIES, TWO_EQUAL_ONE_NOT, OWN_WRAPPER, ENGINE_SPLIT, SHARED_SUBTREE }

    /** Random trees over every node kind, small index ranges (so keys collide), shared subtrees and engine-like splits. */
    static final class RandomTrees {
        final SplittableRandom r;
        final List<Provenance> pool = new ArrayList<>();
        final Set<Class<?>> kinds = new HashSet<>();
        final EnumSet<Shape> shapes = EnumSet.noneOf(Shape.class);

        RandomTrees(long seed) { r = new SplittableRandom(seed); }

        Node randomNode() {
            int l = r.nextInt(3), h = r.nextInt(3), pos = r.nextInt(3);
            Node n = switch (r.nextInt(14)) {
                case 0 -> Node.EMB;
                case 1 -> Node.LN_FINAL;
                case 2, 3 -> new Node.Attn(l);
                case 4 -> new Node.AttnResid(l);
                case 5, 6 -> new Node.AttnHeads(l);
                case 7, 8 -> new Node.AttnHead(l, h);
                case 9 -> new Node.HeadInput(l, h, Node.Qkv.values()[r.nextInt(3)]);
                case 10 -> new Node.AttnPos(l, pos);
                case 11 -> new Node.Mlp(l);
                case 12 -> new Node.MlpResid(l);
                default -> r.nextBoolean() ? new Node.MlpHead(l) : new Node.MlpPos(l, pos);
            };
            kinds.add(n.getClass());
            return n;
        }

        Provenance tree(int depth) {
            if (depth == 0 || r.nextInt(10) == 0) {
                kinds.add(Input.class);
                return new Input(r.nextInt(3));
            }
            if (!pool.isEmpty() && r.nextInt(8) == 0) {
                shapes.add(Shape.SHARED_SUBTREE);
                return pool.get(r.nextInt(pool.size()));
            }
            Node n = randomNode();
            List<Provenance> kids;
            switch (r.nextInt(7)) {
                case 0, 1 -> { shapes.add(Shape.ONE_CHILD); kids = List.of(tree(depth - 1)); }
                case 2 -> { shapes.add(Shape.THREE_DISTINCT); kids = List.of(tree(depth - 1), tree(depth - 1), tree(depth - 1)); }
                case 3 -> {
                    Provenance x = tree(depth - 1);
                    if (r.nextBoolean()) { shapes.add(Shape.THREE_SAME_INSTANCE); kids = List.of(x, x, x); }
                    else { shapes.add(Shape.THREE_EQUAL_COPIES); kids = List.of(x, copy(x), copy(x)); }
                }
                case 4 -> {
                    shapes.add(Shape.TWO_EQUAL_ONE_NOT);
                    Provenance x = tree(depth - 1), y = tree(depth - 1);
                    int odd = r.nextInt(3);
                    kids = List.of(odd == 0 ? y : x, odd == 1 ? y : x, odd == 2 ? y : x);
                }
                case 5 -> {
                    // aN.head / fN.head around its own node (the split's wrapper), or around another layer's.
                    shapes.add(Shape.OWN_WRAPPER);
                    Node w = r.nextBoolean() ? new Node.AttnHeads(r.nextInt(3)) : new Node.MlpHead(r.nextInt(3));
                    kinds.add(w.getClass());
                    Node inner = r.nextInt(4) == 0 ? randomNode() : w;
                    n = w;
                    kids = List.of(new Computed(inner, List.of(tree(depth - 1))));
                }
                default -> {
                    // The engine's split aN / fN: aN(aN.resid(X), aN.head(Y)).
                    shapes.add(Shape.ENGINE_SPLIT);
                    int l = r.nextInt(3);
                    boolean attn = r.nextBoolean();
                    n = attn ? new Node.Attn(l) : new Node.Mlp(l);
                    Node resid = attn ? new Node.AttnResid(l) : new Node.MlpResid(l);
                    Node head = attn ? new Node.AttnHeads(l) : new Node.MlpHead(l);
                    kinds.add(n.getClass());
                    kids = List.of(new Computed(resid, List.of(tree(depth - 1))), new Computed(head, List.of(tree(depth - 1))));
                }
            }
            Provenance p = new Computed(n, kids);
            if (r.nextInt(4) == 0) pool.add(p);
            return p;
        }

        /** A structurally equal, distinct instance (equality, not identity, must drive the q/k/v collapse). */
        static Provenance copy(Provenance p) {
            return switch (p) {
                case Input in -> new Input(in.index());
                case Computed c -> new Computed(c.node(), c.children().stream().map(RandomTrees::copy).toList());
            };
        }
    }

    @Test
    void randomTreesMatchTheReference() {
        RandomTrees gen = new RandomTrees(0x5EEDL);
        int trees = 0, withDuplicates = 0;
        for (int i = 0; i < 600; i++) {
            Provenance p = gen.tree(1 + i % 7);
            assertSameAsReference("random tree " + i, p);
            assertSameAsReference("random tree " + i + " under ln_final", new Computed(Node.LN_FINAL, List.of(p)));
            if (p.seedCacheEntries() < keyedNodes(p)) withDuplicates++;
            trees++;
        }
        assertEquals(13, gen.kinds.size(), "node kinds used (12 Node records and Input): " + gen.kinds);
        assertEquals(EnumSet.allOf(Shape.class), gen.shapes, "shapes used");
        assertTrue(withDuplicates > trees / 10, "too few trees with repeated keys to test the de-duplication: " + withDuplicates);
    }

    private static boolean ownWrapper(Computed c) {
        return c.children().size() == 1 && c.children().getFirst() instanceof Computed k && k.node().equals(c.node());
    }

    /** Keyed nodes walked (collapsed children), counting repeats: the count when no key repeats, more otherwise. */
    private static int keyedNodes(Provenance p) {
        return switch (p) {
            case Input in -> 1;
            case Computed c -> {
                int n = switch (c.node()) {
                    case Node.LnFinal x -> 1;
                    case Node.Attn x -> c.children().size() == 1 ? 2 : 1;
                    case Node.Mlp x -> c.children().size() == 1 ? 2 : 1;
                    case Node.AttnHeads x -> ownWrapper(c) ? 0 : 1;
                    case Node.MlpHead x -> ownWrapper(c) ? 0 : 1;
                    default -> 0;
                };
                for (Provenance k : referenceCollapsed(c)) n += keyedNodes(k);
                yield n;
            }
        };
    }
}
