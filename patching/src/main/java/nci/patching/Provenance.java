package nci.patching;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The computation graph a result used, as the seed records it: a tree of node names down to the inputs.
 * {@link #render()} gives the seed's {@code path} string ({@code name(child,child,...)}, leaves
 * {@code emb(k)}), including its quirks: a split {@code aN} renders {@code aN(aN.resid(X),aN.head(aN.head(...)))}
 * (a wrapper plus the attention's own node), children of a heads split in head order, of a position
 * split in position order. Structural equality: two equal trees are the same computation in the seed's sense.
 */
public sealed interface Provenance {

    /** A leaf: the embedding of input {@code index}, rendered {@code emb(index)}. */
    record Input(int index) implements Provenance {
        public Input {
            if (index < 0) throw new IllegalArgumentException("input index must be >= 0, got " + index);
        }
    }

    /**
     * An inner node. For {@code aN.headH} under a q/k/v split, {@code children} are the q, k and v
     * inputs (three), rendered as one when they are the same computation (the seed with its cache on).
     */
    record Computed(Node node, List<Provenance> children) implements Provenance {
        public Computed {
            if (node == null) throw new IllegalArgumentException("provenance node is null");
            children = List.copyOf(children);
            if (children.isEmpty()) throw new IllegalArgumentException("provenance node " + node.name() + " has no children");
        }
    }

    /** The seed's {@code path} (its cache on). */
    default String render() {
        StringBuilder sb = new StringBuilder();
        render(this, sb, true);
        return sb.toString();
    }

    /** The seed's {@code path_nocache}: q/k/v inputs always rendered as three. */
    default String renderNoCache() {
        StringBuilder sb = new StringBuilder();
        render(this, sb, false);
        return sb.toString();
    }

    private static void render(Provenance p, StringBuilder sb, boolean collapse) {
        switch (p) {
            case Input in -> sb.append("emb(").append(in.index()).append(')');
            case Computed c -> {
                sb.append(c.node().name()).append('(');
                List<Provenance> kids = collapse ? collapsed(c) : c.children();
                for (int i = 0; i < kids.size(); i++) {
                    if (i > 0) sb.append(',');
                    render(kids.get(i), sb, collapse);
                }
                sb.append(')');
            }
        }
    }

    /** Children as the seed's cached run shows them: q/k/v that are one computation become one child. */
    private static List<Provenance> collapsed(Computed c) {
        List<Provenance> k = c.children();
        if (c.node() instanceof Node.AttnHead && k.size() == 3 && k.get(0).equals(k.get(1)) && k.get(1).equals(k.get(2)))
            return List.of(k.get(0));
        return k;
    }

    /**
     * How many entries the seed's cache would hold after this computation: one per distinct
     * (node, provenance) among emb, aN.head, aN, fN.head, fN and ln_final. Lets tests compare with the
     * fixtures' {@code cache_entries} exactly (the content-addressed cache may hold fewer).
     */
    default int seedCacheEntries() {
        return seedView().cacheEntries();
    }

    /**
     * The seed's {@code path} ({@link #render()}) and its cache entry count ({@link #seedCacheEntries()}),
     * from one walk of the tree.
     */
    record SeedView(String path, int cacheEntries) {
        public SeedView {
            if (path == null || path.isEmpty()) throw new IllegalArgumentException("seed view: path is null or empty");
            if (cacheEntries < 1) throw new IllegalArgumentException("seed view: cache entries must be >= 1, got " + cacheEntries);
        }
    }

    /** {@link #render()} and {@link #seedCacheEntries()} together, walking the tree once. */
    default SeedView seedView() {
        Set<String> seen = new HashSet<>();
        String path = seedWalk(this, seen);
        return new SeedView(path, seen.size());
    }

    /**
     * One bottom-up walk: returns {@code p} rendered as {@link #render()} renders it (q/k/v collapsed) and adds
     * to {@code seen} the seed's cache keys of {@code p}'s subtree. A parent's string is built from its
     * children's strings, so each node is visited once; rendering the subtree afresh at every keyed node
     * instead walks it again at each level, quadratic in the depth (~25 levels for 12 layers).
     * The recursion follows {@link #collapsed} children, as the seed's cached run does.
     */
    private static String seedWalk(Provenance p, Set<String> seen) {
        return switch (p) {
            case Input in -> {
                String s = "emb(" + in.index() + ")";
                seen.add(s);
                yield s;
            }
            case Computed c -> {
                List<Provenance> kids = collapsed(c);
                String[] parts = new String[kids.size()];
                for (int i = 0; i < parts.length; i++) parts[i] = seedWalk(kids.get(i), seen);
                String s = c.node().name() + "(" + String.join(",", parts) + ")";
                String only = parts.length == 1 ? parts[0] : null;   // the single child's string, when there is one
                // collapsed(c) is c.children() for every node but aN.headH, so for aN and fN "one child" is the
                // same test on either list, and the unsplit wrapper aN.head(X) / fN.head(X) (children: c's own)
                // renders as its name around that child's string.
                switch (c.node()) {
                    case Node.LnFinal n -> seen.add(s);
                    case Node.Attn n -> {
                        seen.add(s);
                        if (only != null)                   // unsplit: the attention is keyed aN.head(X)
                            seen.add(new Node.AttnHeads(n.layer()).name() + "(" + only + ")");
                    }
                    case Node.Mlp n -> {
                        seen.add(s);
                        if (only != null)
                            seen.add(new Node.MlpHead(n.layer()).name() + "(" + only + ")");
                    }
                    case Node.AttnHeads n -> {              // the wrapper's child is the attention's own node
                        if (!(c.children().size() == 1 && c.children().getFirst() instanceof Computed k
                                && k.node().equals(n))) seen.add(s);
                    }
                    case Node.MlpHead n -> {
                        if (!(c.children().size() == 1 && c.children().getFirst() instanceof Computed k
                                && k.node().equals(n))) seen.add(s);
                    }
                    default -> { }
                }
                yield s;
            }
        };
    }

    /**
     * Graphviz DOT of this graph: nodes labelled by their names, a sub-computation that occurs several
     * times (equal subtrees) drawn once, edges from a node to its inputs.
     */
    default String toDot() {
        Map<Provenance, String> ids = new LinkedHashMap<>();
        List<String> edges = new ArrayList<>();
        Map<Provenance, Boolean> done = new HashMap<>();
        dot(this, ids, edges, done);
        StringBuilder sb = new StringBuilder("digraph provenance {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
        for (Map.Entry<Provenance, String> e : ids.entrySet()) {
            String label = switch (e.getKey()) {
                case Input in -> "emb(" + in.index() + ")";
                case Computed c -> c.node().name();
            };
            sb.append("  ").append(e.getValue()).append(" [label=\"").append(label).append("\"];\n");
        }
        for (String edge : edges) sb.append("  ").append(edge).append(";\n");
        return sb.append("}\n").toString();
    }

    private static String dot(Provenance p, Map<Provenance, String> ids, List<String> edges, Map<Provenance, Boolean> done) {
        String id = ids.get(p);
        if (id != null) return id;
        id = "n" + ids.size();
        ids.put(p, id);
        if (p instanceof Computed c) {
            for (Provenance k : new LinkedHashSet<>(collapsed(c))) edges.add(id + " -> " + dot(k, ids, edges, done));
        }
        return id;
    }
}
