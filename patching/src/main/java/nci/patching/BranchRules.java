package nci.patching;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The fixtures' declarative {@code branch}: a list of rules {@code {"at": node, "value": true|"heads"|"positions",
 * "unless_in_path": [node, ...]}}. {@code branch(path)} is the value of the <em>first</em> rule whose {@code at}
 * is the path's last node and none of whose {@code unless_in_path} nodes is in the path; otherwise
 * {@link Split#NONE}. ({@code false} is also accepted as a value: an explicit "do not split" that stops the search.)
 */
public record BranchRules(List<Rule> rules) implements Branch {

    /** One rule. */
    public record Rule(Node at, Split value, List<Node> unlessInPath) {
        public Rule {
            if (at == null) throw new IllegalArgumentException("branch rule: 'at' node missing");
            if (value == null) throw new IllegalArgumentException("branch rule at " + at.name() + ": value missing");
            unlessInPath = List.copyOf(unlessInPath);
        }
    }

    public BranchRules {
        rules = List.copyOf(rules);
    }

    public static BranchRules of(Rule... rules) { return new BranchRules(List.of(rules)); }

    @Override
    public Split branch(Path path) {
        Node last = path.last();
        for (Rule r : rules) {
            if (!r.at().equals(last)) continue;
            boolean blocked = false;
            for (Node u : r.unlessInPath()) if (path.contains(u)) { blocked = true; break; }
            if (!blocked) return r.value();
        }
        return Split.NONE;
    }

    /** Every node the rules name. */
    public List<Node> nodes() {
        List<Node> out = new ArrayList<>();
        for (Rule r : rules) { out.add(r.at()); out.addAll(r.unlessInPath()); }
        return out;
    }

    /**
     * Parses the rule list; {@code field} names it in errors (e.g. {@code "branch"} gives
     * {@code branch[2].value: ...}). Rejects unknown fields, unknown node names and bad values.
     */
    public static BranchRules fromJson(JsonNode json, String field) {
        if (json == null || json.isNull()) return new BranchRules(List.of());
        if (!json.isArray()) throw new IllegalArgumentException(field + ": expected an array of rules, got " + json.getNodeType());
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < json.size(); i++) {
            String f = field + "[" + i + "]";
            JsonNode r = json.get(i);
            if (!r.isObject()) throw new IllegalArgumentException(f + ": expected an object {at, value, unless_in_path}");
            for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!Set.of("at", "value", "unless_in_path").contains(name))
                    throw new IllegalArgumentException(f + ": unknown field '" + name + "' (expected at, value, unless_in_path)");
            }
            Node at = node(r.get("at"), f + ".at");
            Split value = value(r.get("value"), f + ".value");
            List<Node> unless = new ArrayList<>();
            JsonNode u = r.get("unless_in_path");
            if (u != null && !u.isNull()) {
                if (!u.isArray()) throw new IllegalArgumentException(f + ".unless_in_path: expected an array of node names");
                for (int j = 0; j < u.size(); j++) unless.add(node(u.get(j), f + ".unless_in_path[" + j + "]"));
            }
            if (at instanceof Node.Embedding || at instanceof Node.LnFinal || at instanceof Node.AttnPos
                    || at instanceof Node.MlpPos || at instanceof Node.HeadInput || at instanceof Node.AttnResid
                    || at instanceof Node.MlpResid)
                throw new IllegalArgumentException(f + ".at: branch is never asked about '" + at.name()
                        + "' (only aN, aN.head, aN.headH, fN, fN.head)");
            rules.add(new Rule(at, value, unless));
        }
        return new BranchRules(rules);
    }

    /** The rules in the fixtures' JSON form. */
    public ArrayNode toJson() {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (Rule r : rules) {
            ObjectNode o = out.addObject();
            o.put("at", r.at().name());
            switch (r.value()) {
                case NONE -> o.put("value", false);
                case SPLIT -> o.put("value", true);
                case HEADS -> o.put("value", "heads");
                case POSITIONS -> o.put("value", "positions");
            }
            if (!r.unlessInPath().isEmpty()) {
                ArrayNode u = o.putArray("unless_in_path");
                for (Node n : r.unlessInPath()) u.add(n.name());
            }
        }
        return out;
    }

    static Node node(JsonNode v, String field) {
        if (v == null || v.isNull()) throw new IllegalArgumentException(field + ": missing (expected a node name)");
        if (!v.isTextual()) throw new IllegalArgumentException(field + ": expected a node name string, got " + v);
        try {
            return Node.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    private static Split value(JsonNode v, String field) {
        if (v == null || v.isNull()) throw new IllegalArgumentException(field + ": missing (expected true, false, \"heads\" or \"positions\")");
        if (v.isBoolean()) return v.asBoolean() ? Split.SPLIT : Split.NONE;
        if (v.isTextual()) {
            switch (v.asText()) {
                case "heads" -> { return Split.HEADS; }
                case "positions" -> { return Split.POSITIONS; }
                default -> { }
            }
        }
        throw new IllegalArgumentException(field + ": bad value " + v + " (expected true, false, \"heads\" or \"positions\")");
    }
}
