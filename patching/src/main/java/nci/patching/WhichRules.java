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
 * The fixtures' declarative {@code which}: {@code {"rules": [{"if_in_path": node, "input": k}, ...], "default": k}}.
 * {@code which(path)} is the {@code input} of the <em>first</em> rule whose node is an element of the path
 * (node equality, not a substring); otherwise {@code default}.
 */
public record WhichRules(List<Rule> rules, int defaultInput) implements Which {

    public record Rule(Node ifInPath, int input) {
        public Rule {
            if (ifInPath == null) throw new IllegalArgumentException("which rule: 'if_in_path' node missing");
            if (input < 0) throw new IllegalArgumentException("which rule on " + ifInPath.name() + ": input must be >= 0, got " + input);
        }
    }

    public WhichRules {
        rules = List.copyOf(rules);
        if (defaultInput < 0) throw new IllegalArgumentException("which: default input must be >= 0, got " + defaultInput);
    }

    @Override
    public int which(Path path) {
        for (Rule r : rules) if (path.contains(r.ifInPath())) return r.input();
        return defaultInput;
    }

    /** The largest input index these rules can return. */
    public int maxInput() {
        int m = defaultInput;
        for (Rule r : rules) m = Math.max(m, r.input());
        return m;
    }

    public List<Node> nodes() {
        return rules.stream().map(Rule::ifInPath).toList();
    }

    /** Parses {@code {rules, default}}; {@code field} names it in errors. Rejects unknown fields and node names. */
    public static WhichRules fromJson(JsonNode json, String field) {
        if (json == null || json.isNull()) throw new IllegalArgumentException(field + ": missing (expected {\"rules\": [...], \"default\": k})");
        if (!json.isObject()) throw new IllegalArgumentException(field + ": expected an object {rules, default}, got " + json.getNodeType());
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!Set.of("rules", "default").contains(name))
                throw new IllegalArgumentException(field + ": unknown field '" + name + "' (expected rules, default)");
        }
        int def = index(json.get("default"), field + ".default");
        List<Rule> rules = new ArrayList<>();
        JsonNode rs = json.get("rules");
        if (rs != null && !rs.isNull()) {
            if (!rs.isArray()) throw new IllegalArgumentException(field + ".rules: expected an array");
            for (int i = 0; i < rs.size(); i++) {
                String f = field + ".rules[" + i + "]";
                JsonNode r = rs.get(i);
                if (!r.isObject()) throw new IllegalArgumentException(f + ": expected an object {if_in_path, input}");
                for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    if (!Set.of("if_in_path", "input").contains(name))
                        throw new IllegalArgumentException(f + ": unknown field '" + name + "' (expected if_in_path, input)");
                }
                rules.add(new Rule(BranchRules.node(r.get("if_in_path"), f + ".if_in_path"), index(r.get("input"), f + ".input")));
            }
        }
        return new WhichRules(rules, def);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode rs = o.putArray("rules");
        for (Rule r : rules) rs.addObject().put("if_in_path", r.ifInPath().name()).put("input", r.input());
        o.put("default", defaultInput);
        return o;
    }

    private static int index(JsonNode v, String field) {
        if (v == null || v.isNull()) throw new IllegalArgumentException(field + ": missing (expected an input index)");
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0)
            throw new IllegalArgumentException(field + ": expected an input index >= 0, got " + v);
        return v.asInt();
    }
}
