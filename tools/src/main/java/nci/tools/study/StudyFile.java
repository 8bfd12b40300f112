package nci.tools.study;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nci.gpt2.Gpt2Config;
import nci.patching.BranchRules;
import nci.patching.Interventions;
import nci.patching.Node;
import nci.patching.WhichRules;
import nci.tools.study.Study.Experiment;
import nci.tools.study.Study.Input;
import nci.tools.study.Study.Metric;
import nci.tools.study.Study.Pair;
import nci.tools.study.Study.Target;

/**
 * Reads an experiment file ({@code nci run EXPERIMENT.json}; the format is documented in
 * {@code docs/experiment-format.md}) into a validated {@link Study}.
 *
 * <p>Everything is checked before anything is computed, and every error names its field JSON-pointer style,
 * e.g. {@code experiments[1].nodes[0]: unknown node 'a9' (...)}: unknown fields, wrong types, texts that do not
 * tokenize, pairs of different token lengths, targets that are not exactly one token, node names that do not
 * exist in the model, positions out of range, rules that pick an input other than 0 (clean) or 1
 * (counterfactual), anything given twice where it would count twice (a target or logit_diff token, also as
 * text and id; a node, layer or position, also as -1 and T-1), the same metric twice, and one name for two pairs or
 * two experiments (given, or the default {@code pair<k>} and {@code e<k>-<type>}).
 */
public final class StudyFile {
    private StudyFile() {}

    /** For building and writing JSON; what the user wrote is read by {@link JsonInput} (strict). */
    public static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<String> TOP = Set.of("description", "model", "pairs", "dataset", "targets", "metrics", "experiments", "out");
    private static final Set<String> PAIR = Set.of("name", "clean", "counterfactual", "targets");
    private static final Set<String> METRIC = Set.of("type", "positions", "tokens");
    private static final List<String> METRIC_TYPES = List.of("prob", "logit", "logit_diff", "kl");
    private static final List<String> EXPERIMENT_TYPES = List.of("patch", "node_position", "heads", "path");

    /** The {@code model} field (null when absent), after checking that the file is an object with known fields only. */
    public static String modelField(JsonNode json) {
        if (json == null || !json.isObject()) throw new IllegalArgumentException("experiment file: expected a JSON object");
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP.contains(f))
                throw new IllegalArgumentException(f + ": unknown field (expected " + String.join(", ", sorted(TOP)) + ")");
        }
        JsonNode m = json.get("model");
        if (m == null || m.isNull()) return null;
        if (!m.isTextual() || m.asText().isBlank()) throw new IllegalArgumentException("model: expected a model folder or hub name, got " + m);
        return m.asText();
    }

    /**
     * Parses and validates {@code json} against the loaded model. {@code baseDir} is where relative paths
     * ({@code dataset}) are resolved: the experiment file's folder.
     */
    public static Study parse(JsonNode json, Path baseDir, ModelSession session) {
        String model = modelField(json);
        Gpt2Config c = session.config();
        String description = optText(json.get("description"), "description");
        String out = optText(json.get("out"), "out");
        if (out != null && out.isEmpty()) throw new IllegalArgumentException("out: empty (give a folder, relative to the experiment file)");

        // Targets given at the top apply to every pair that has none of its own.
        List<Target> defaultTargets = json.has("targets") ? targets(json.get("targets"), "targets", session) : null;

        List<Pair> pairs = new ArrayList<>();
        List<String> pairFields = new ArrayList<>();   // what errors call each pair
        JsonNode ps = json.get("pairs"), ds = json.get("dataset");
        if ((ps == null) == (ds == null)) throw new IllegalArgumentException("pairs: give either 'pairs' (a list) or 'dataset' (a JSONL file), not "
                + (ps == null ? "neither" : "both"));
        if (ps != null) {
            if (!ps.isArray() || ps.isEmpty()) throw new IllegalArgumentException("pairs: expected a non-empty array of {clean, counterfactual} objects");
            for (int i = 0; i < ps.size(); i++) {
                pairs.add(pair(ps.get(i), "pairs[" + i + "]", defaultTargets, session));
                pairFields.add("pairs[" + i + "]");
            }
        } else {
            if (!ds.isTextual() || ds.asText().isEmpty())
                throw new IllegalArgumentException("dataset: expected the path of a JSONL file, got " + ds);
            Path file = baseDir.resolve(ds.asText());
            if (Files.isDirectory(file)) throw new IllegalArgumentException("dataset: " + file + " is a folder, not a JSONL file");
            if (!Files.exists(file)) throw new IllegalArgumentException("dataset: no such file " + file);
            String text;
            try {
                text = JsonInput.text(file);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("dataset: " + e.getMessage(), e);
            }
            List<String> lines = text.lines().toList();
            for (int ln = 0; ln < lines.size(); ln++) {
                if (lines.get(ln).isBlank()) continue;
                String f = "dataset[" + pairs.size() + "] (" + file.getFileName() + " line " + (ln + 1) + ")";
                JsonNode row;
                try {
                    row = JsonInput.parse(lines.get(ln));
                } catch (JsonInput.SyntaxError e) {
                    throw new IllegalArgumentException("dataset[" + pairs.size() + "] (" + file.getFileName() + " line " + (ln + 1)
                            + (e.column() > 0 ? ", column " + e.column() : "") + "): not valid JSON: " + e.what()
                            + (e.what().startsWith("unexpected content after") ? " (one pair per line)" : ""));
                }
                pairs.add(pair(row, f, defaultTargets, session));
                pairFields.add(f);
            }
            if (pairs.isEmpty()) throw new IllegalArgumentException("dataset: " + file + " holds no pairs");
        }
        String pairsField = ps != null ? "pairs" : "dataset";
        int nTargets = pairs.getFirst().targets().size();
        for (int i = 1; i < pairs.size(); i++)
            if (pairs.get(i).targets().size() != nTargets)
                throw new IllegalArgumentException(pairsField + "[" + i + "].targets: " + pairs.get(i).targets().size() + " targets, but "
                        + pairsField + "[0] has " + nTargets + " (every pair needs the same number, so that results line up)");

        List<Metric> metrics = new ArrayList<>();
        JsonNode ms = json.get("metrics");
        if (ms == null || ms.isNull()) {
            metrics.add(new Metric.Prob(null));
        } else {
            if (!ms.isArray() || ms.isEmpty()) throw new IllegalArgumentException("metrics: expected a non-empty array");
            for (int i = 0; i < ms.size(); i++) {
                Metric m = metric(ms.get(i), "metrics[" + i + "]", pairs, pairsField, session);
                for (int j = 0; j < i; j++)
                    if (sameMetric(m, metrics.get(j), pairs))
                        throw new IllegalArgumentException("metrics[" + i + "]: the same metric as metrics[" + j + "] (" + m.type()
                                + ", read at the same positions" + (m instanceof Metric.LogitDiff ? " of the same tokens" : "")
                                + " in every pair); its series would repeat");
                metrics.add(m);
            }
        }

        JsonNode es = json.get("experiments");
        if (es == null || !es.isArray() || es.isEmpty())
            throw new IllegalArgumentException("experiments: expected a non-empty array of experiments");
        List<Experiment> experiments = new ArrayList<>();
        for (int i = 0; i < es.size(); i++) experiments.add(experiment(es.get(i), "experiments[" + i + "]", c, pairs, pairsField));
        List<String> experimentFields = new ArrayList<>();
        for (int i = 0; i < experiments.size(); i++) experimentFields.add("experiments[" + i + "]");
        distinctNames(pairs.stream().map(Pair::name).toList(), i -> "pair" + i, pairFields, "pair");
        distinctNames(experiments.stream().map(Experiment::name).toList(), i -> "e" + i + "-" + experiments.get(i).type(),
                experimentFields, "experiment");
        return new Study(description, model, pairs, experiments, metrics, out, portable(json, baseDir));
    }

    /**
     * The experiment file as {@code nci run} can run it again from anywhere (what experiment.json and results.json's
     * {@code spec} record): a {@code model} that names a folder relative to {@code baseDir}, and the {@code dataset}
     * file, as absolute paths; {@code out} left out (it named a folder relative to the original file: a run of the copy
     * gives {@code --out}). Everything else as written.
     */
    static ObjectNode portable(JsonNode json, Path baseDir) {
        ObjectNode o = json.deepCopy();
        JsonNode m = o.get("model");
        if (m != null && m.isTextual()) {
            try {
                Path folder = baseDir.resolve(m.asText());
                if (Files.isDirectory(folder)) o.put("model", folder.toAbsolutePath().normalize().toString());
            } catch (java.nio.file.InvalidPathException e) {
                // a hub name: kept as written
            }
        }
        JsonNode ds = o.get("dataset");
        if (ds != null && ds.isTextual()) o.put("dataset", baseDir.resolve(ds.asText()).toAbsolutePath().normalize().toString());
        o.remove("out");
        return o;
    }

    // ------------------------------------------------------------------------------------------------ pairs

    private static Pair pair(JsonNode p, String f, List<Target> defaultTargets, ModelSession s) {
        if (p == null || !p.isObject()) throw new IllegalArgumentException(f + ": expected an object {clean, counterfactual, targets}");
        known(p, f, PAIR);
        String name = optText(p.get("name"), f + ".name");
        Input clean = input(p.get("clean"), f + ".clean", s);
        Input cf = input(p.get("counterfactual"), f + ".counterfactual", s);
        if (clean.length() != cf.length())
            throw new IllegalArgumentException(f + ": clean has " + clean.length() + " tokens, counterfactual has " + cf.length()
                    + " (a pair needs equal token lengths)");
        List<Target> targets = p.has("targets") ? targets(p.get("targets"), f + ".targets", s) : defaultTargets;
        if (targets == null) throw new IllegalArgumentException(f + ".targets: missing (give 'targets' here or at the top level)");
        return new Pair(name, clean, cf, targets);
    }

    private static Input input(JsonNode v, String f, ModelSession s) {
        if (v == null || v.isNull()) throw new IllegalArgumentException(f + ": missing (expected a text or an array of token ids)");
        int vocab = s.config().vocabSize();
        int[] ids;
        String text = null;
        if (v.isTextual()) {
            text = v.asText();
            ids = s.encode(text, needsTokenizer(s, f));
        } else if (v.isArray()) {
            if (v.isEmpty()) throw new IllegalArgumentException(f + ": no token ids");
            ids = new int[v.size()];
            for (int t = 0; t < ids.length; t++) {
                JsonNode id = v.get(t);
                if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= vocab)
                    throw new IllegalArgumentException(f + "[" + t + "]: expected a token id in [0, " + vocab + "), got " + id);
                ids[t] = id.asInt();
            }
        } else {
            throw new IllegalArgumentException(f + ": expected a text or an array of token ids, got " + v.getNodeType());
        }
        if (ids.length > s.config().nPositions())
            throw new IllegalArgumentException(f + ": " + ids.length + " tokens, the model takes at most " + s.config().nPositions());
        return new Input(text, ids);
    }

    /** {@code f}, a text field, when the model has a tokenizer; else the error says that token ids would do. */
    private static String needsTokenizer(ModelSession s, String f) {
        if (!s.hasTokenizer())
            throw new IllegalArgumentException(f + ": a text needs a tokenizer, but " + s.dir() + " has no vocab.json/merges.txt (give token ids instead)");
        return f;
    }

    private static List<Target> targets(JsonNode v, String f, ModelSession s) {
        if (v == null || !v.isArray() || v.isEmpty())
            throw new IllegalArgumentException(f + ": expected a non-empty array of one-token strings (e.g. [\" mat\", \" rug\"]) or token ids");
        List<Target> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            Target t = target(v.get(i), f + "[" + i + "]", s);
            for (int j = 0; j < i; j++)
                if (out.get(j).id() == t.id())
                    throw new IllegalArgumentException(f + "[" + i + "]: the same token as " + f + "[" + j + "] (" + Strings.quote(out.get(j).text())
                            + ", id " + t.id() + "); " + (f.endsWith(".tokens") ? "logit_diff needs two different tokens" : "each target must be a different token"));
            out.add(t);
        }
        return out;
    }

    private static Target target(JsonNode t, String f, ModelSession s) {
        if (t.isTextual()) return new Target(t.asText(), s.singleToken(t.asText(), needsTokenizer(s, f)));
        if (t.isIntegralNumber() && t.canConvertToInt() && t.asInt() >= 0 && t.asInt() < s.config().vocabSize())
            return new Target(s.tokenText(t.asInt()), t.asInt());
        throw new IllegalArgumentException(f + ": expected a one-token string or a token id in [0, " + s.config().vocabSize() + "), got " + t);
    }

    /**
     * Refuses two pairs (or experiments) of the same name, given or default ({@code given} holds null for a default
     * one): results.csv and the report tell them apart by name, so one name for two would mix their rows.
     */
    private static void distinctNames(List<String> given, java.util.function.IntFunction<String> byDefault, List<String> fields, String what) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < given.size(); i++) {
            String name = given.get(i) != null ? given.get(i) : byDefault.apply(i);
            Integer j = seen.putIfAbsent(name, i);
            if (j == null) continue;
            int blame = given.get(i) != null ? i : j, other = blame == i ? j : i;   // two default names never meet
            throw new IllegalArgumentException(fields.get(blame) + ".name: " + Strings.quote(name) + " is also the "
                    + (given.get(other) != null ? "name" : "default name") + " of " + fields.get(other) + "; each " + what
                    + " needs a name of its own (results.csv and the report tell " + what + "s apart by name)");
        }
    }

    // ------------------------------------------------------------------------------------------------ metrics

    /** Whether two metrics give the same values in every pair: same type, positions and (logit_diff) tokens there. */
    private static boolean sameMetric(Metric a, Metric b, List<Pair> pairs) {
        if (!a.type().equals(b.type())) return false;
        for (Pair p : pairs) {
            if (!positionsIn(a, p).equals(positionsIn(b, p))) return false;
            if (a instanceof Metric.LogitDiff da && b instanceof Metric.LogitDiff db && !diffTokensIn(da, p).equals(diffTokensIn(db, p)))
                return false;
        }
        return true;
    }

    /** The positions a metric reads in pair p, resolved (-1 is the last) and as a set (their values are averaged). */
    private static Set<Integer> positionsIn(Metric m, Pair p) {
        int T = p.length();
        if (m.positions() == null) return Set.of(T - 1);
        Set<Integer> out = new HashSet<>();
        for (int q : m.positions()) out.add(Math.floorMod(q, T));
        return out;
    }

    /** The token ids a logit_diff compares in pair p: its own, or the pair's first two targets. */
    private static List<Integer> diffTokensIn(Metric.LogitDiff m, Pair p) {
        return m.a() != null ? List.of(m.a().id(), m.b().id()) : List.of(p.targets().get(0).id(), p.targets().get(1).id());
    }


    private static Metric metric(JsonNode m, String f, List<Pair> pairs, String pairsField, ModelSession s) {
        if (m.isTextual()) m = JSON.createObjectNode().put("type", m.asText());
        if (!m.isObject()) throw new IllegalArgumentException(f + ": expected a metric name or an object {type, positions, tokens}");
        known(m, f, METRIC);
        JsonNode type = m.get("type");
        if (type == null || !type.isTextual() || !METRIC_TYPES.contains(type.asText()))
            throw new IllegalArgumentException(f + ".type: expected one of " + METRIC_TYPES + ", got " + type);
        int[] positions = null;
        JsonNode ps = m.get("positions");
        if (ps != null && !ps.isNull()) {
            positions = ints(ps, f + ".positions", Integer.MIN_VALUE);
            for (int i = 0; i < positions.length; i++) {
                for (int k = 0; k < pairs.size(); k++) {
                    int T = pairs.get(k).length();
                    if (positions[i] >= T || positions[i] < -T)
                        throw new IllegalArgumentException(f + ".positions[" + i + "]: position " + positions[i] + " out of range for "
                                + pairsField + "[" + k + "] (" + T + " tokens: 0.." + (T - 1) + ", or -1..-" + T + " from the end)");
                }
                // The same position twice would count twice in the average: also when given once from each end.
                for (int j = 0; j < i; j++) {
                    if (positions[i] == positions[j])
                        throw new IllegalArgumentException(f + ".positions[" + i + "]: position " + positions[i] + " repeats positions[" + j + "]");
                    for (int k = 0; k < pairs.size(); k++) {
                        int T = pairs.get(k).length();
                        if (Math.floorMod(positions[i], T) == Math.floorMod(positions[j], T))
                            throw new IllegalArgumentException(f + ".positions[" + i + "]: position " + positions[i] + " is positions[" + j + "] ("
                                    + positions[j] + ") again in " + pairsField + "[" + k + "] (" + T + " tokens)");
                    }
                }
            }
        }
        if (m.has("tokens") && !type.asText().equals("logit_diff"))
            throw new IllegalArgumentException(f + ".tokens: only a logit_diff metric takes tokens");
        int nTargets = pairs.getFirst().targets().size();
        return switch (type.asText()) {
            case "prob" -> new Metric.Prob(positions);
            case "logit" -> new Metric.Logit(positions);
            case "kl" -> new Metric.Kl(positions);
            default -> {
                JsonNode tk = m.get("tokens");
                if (tk == null || tk.isNull()) {
                    if (nTargets < 2)
                        throw new IllegalArgumentException(f + ": logit_diff needs two tokens: give 'tokens' [a, b] or at least two targets");
                    yield new Metric.LogitDiff(positions, null, null);
                }
                List<Target> ab = targets(tk, f + ".tokens", s);
                if (ab.size() != 2) throw new IllegalArgumentException(f + ".tokens: expected exactly two tokens [a, b], got " + ab.size());
                yield new Metric.LogitDiff(positions, ab.get(0), ab.get(1));
            }
        };
    }

    // ------------------------------------------------------------------------------------------------ experiments

    private static Experiment experiment(JsonNode e, String f, Gpt2Config c, List<Pair> pairs, String pairsField) {
        if (e == null || !e.isObject()) throw new IllegalArgumentException(f + ": expected an object with a 'type'");
        JsonNode type = e.get("type");
        if (type == null || !type.isTextual() || !EXPERIMENT_TYPES.contains(type.asText()))
            throw new IllegalArgumentException(f + ".type: expected one of " + EXPERIMENT_TYPES + ", got " + type);
        String name = optText(e.get("name"), f + ".name");
        optText(e.get("description"), f + ".description");
        int minT = pairs.stream().mapToInt(Pair::length).min().orElseThrow();
        switch (type.asText()) {
            case "patch" -> {
                known(e, f, Set.of("type", "name", "description", "branch", "which"));
                BranchRules branch = BranchRules.fromJson(e.get("branch"), f + ".branch");
                JsonNode w = e.get("which");
                WhichRules which = w == null || w.isNull() ? new WhichRules(List.of(), 0) : WhichRules.fromJson(w, f + ".which");
                for (int i = 0; i < branch.rules().size(); i++) {
                    BranchRules.Rule r = branch.rules().get(i);
                    fits(r.at(), f + ".branch[" + i + "].at", c, pairs, pairsField);
                    for (int j = 0; j < r.unlessInPath().size(); j++)
                        fits(r.unlessInPath().get(j), f + ".branch[" + i + "].unless_in_path[" + j + "]", c, pairs, pairsField);
                }
                if (which.defaultInput() > 1)
                    throw new IllegalArgumentException(f + ".which.default: input " + which.defaultInput()
                            + " does not exist (inputs: 0 = clean, 1 = counterfactual)");
                for (int i = 0; i < which.rules().size(); i++) {
                    WhichRules.Rule r = which.rules().get(i);
                    fits(r.ifInPath(), f + ".which.rules[" + i + "].if_in_path", c, pairs, pairsField);
                    if (r.input() > 1)
                        throw new IllegalArgumentException(f + ".which.rules[" + i + "].input: input " + r.input()
                                + " does not exist (inputs: 0 = clean, 1 = counterfactual)");
                }
                return new Experiment.Patch(name, branch, which);
            }
            case "node_position" -> {
                known(e, f, Set.of("type", "name", "description", "nodes", "positions"));
                List<Node> nodes = new ArrayList<>();
                JsonNode ns = e.get("nodes");
                if (ns == null || ns.isNull()) {
                    for (int l = c.nLayer() - 1; l >= 0; l--) { nodes.add(new Node.Mlp(l)); nodes.add(new Node.Attn(l)); }
                } else {
                    if (!ns.isArray() || ns.isEmpty()) throw new IllegalArgumentException(f + ".nodes: expected a non-empty array of node names (aN, fN)");
                    for (int i = 0; i < ns.size(); i++) {
                        Node n = blockNode(ns.get(i), f + ".nodes[" + i + "]", c);
                        if (nodes.contains(n))
                            throw new IllegalArgumentException(f + ".nodes[" + i + "]: '" + n.name() + "' repeats nodes[" + nodes.indexOf(n) + "]");
                        nodes.add(n);
                    }
                }
                int[] positions = null;
                JsonNode ps = e.get("positions");
                if (ps != null && !ps.isNull()) {
                    positions = distinct(ints(ps, f + ".positions", 0), f + ".positions", "position");
                    for (int i = 0; i < positions.length; i++)
                        if (positions[i] >= minT)
                            throw new IllegalArgumentException(f + ".positions[" + i + "]: position " + positions[i] + " out of range ("
                                    + shortest(pairs, pairsField) + " has " + minT + " tokens: 0.." + (minT - 1) + ")");
                }
                return new Experiment.NodePosition(name, nodes, positions);
            }
            case "heads" -> {
                known(e, f, Set.of("type", "name", "description", "layers"));
                JsonNode ls = e.get("layers");
                int[] layers;
                if (ls == null || ls.isNull()) {
                    layers = new int[c.nLayer()];
                    for (int l = 0; l < layers.length; l++) layers[l] = l;
                } else {
                    layers = distinct(ints(ls, f + ".layers", 0), f + ".layers", "layer");
                    for (int i = 0; i < layers.length; i++)
                        if (layers[i] >= c.nLayer())
                            throw new IllegalArgumentException(f + ".layers[" + i + "]: layer " + layers[i] + " out of range (the model has "
                                    + c.nLayer() + " layers: 0.." + (c.nLayer() - 1) + ")");
                }
                return new Experiment.Heads(name, layers);
            }
            default -> {
                known(e, f, Set.of("type", "name", "description", "sender", "receiver"));
                JsonNode sv = e.get("sender"), rv = e.get("receiver");
                if (sv == null || sv.isNull()) throw new IllegalArgumentException(f + ".sender: missing (expected aN.headH or fN)");
                if (rv == null || rv.isNull()) throw new IllegalArgumentException(f + ".receiver: missing (expected aN.headH.q|k|v or final)");
                if (!sv.isTextual()) throw new IllegalArgumentException(f + ".sender: expected a node name (aN.headH or fN), got " + sv);
                if (!rv.isTextual()) throw new IllegalArgumentException(f + ".receiver: expected a node name (aN.headH.q|k|v or final), got " + rv);
                Interventions.Sender sender = switch (node(sv, f + ".sender", c)) {
                    case Node.AttnHead h -> new Interventions.Sender.Head(h.layer(), h.head());
                    case Node.Mlp m -> new Interventions.Sender.Mlp(m.layer());
                    default -> throw new IllegalArgumentException(f + ".sender: '" + sv.asText() + "' cannot be a sender (expected aN.headH or fN)");
                };
                Interventions.Receiver receiver;
                int lr;
                if (rv.asText().equals("final")) {
                    receiver = new Interventions.Receiver.Final();
                    lr = c.nLayer();
                } else if (node(rv, f + ".receiver", c) instanceof Node.HeadInput hi) {
                    receiver = new Interventions.Receiver.HeadPart(hi.layer(), hi.head(), hi.part());
                    lr = hi.layer();
                } else {
                    throw new IllegalArgumentException(f + ".receiver: '" + rv.asText() + "' cannot be a receiver (expected aN.headH.q|k|v or final)");
                }
                if (sender.layer() >= lr)
                    throw new IllegalArgumentException(f + ".sender: '" + sv.asText() + "' (layer " + sender.layer()
                            + ") must be below the receiver '" + rv.asText() + "'" + (lr < c.nLayer() ? " (layer " + lr + ")" : ""));
                return new Experiment.PathPatch(name, sender, receiver, sv.asText(), rv.asText());
            }
        }
    }

    /** {@code aN} or {@code fN}, in range. */
    private static Node blockNode(JsonNode v, String f, Gpt2Config c) {
        Node n = node(v, f, c);
        if (!(n instanceof Node.Attn || n instanceof Node.Mlp))
            throw new IllegalArgumentException(f + ": '" + v.asText() + "' cannot be swept by position (expected aN or fN)");
        return n;
    }

    /** A node name that exists in this model (layer and head in range). */
    private static Node node(JsonNode v, String f, Gpt2Config c) {
        if (v == null || !v.isTextual()) throw new IllegalArgumentException(f + ": expected a node name, got " + v);
        Node n;
        try {
            n = Node.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f + ": " + e.getMessage());
        }
        String why = n.misfit(c.nLayer(), c.nHead(), Integer.MAX_VALUE);
        if (why != null)
            throw new IllegalArgumentException(f + ": unknown " + why);
        return n;
    }

    /** A rule's node: exists in the model, and its position (if any) exists in every pair. */
    private static void fits(Node n, String f, Gpt2Config c, List<Pair> pairs, String pairsField) {
        for (int k = 0; k < pairs.size(); k++) {
            String why = n.misfit(c.nLayer(), c.nHead(), pairs.get(k).length());
            if (why != null) {
                boolean position = n.misfit(c.nLayer(), c.nHead(), Integer.MAX_VALUE) == null;
                throw new IllegalArgumentException(f + ": " + (position ? why + " in " + pairsField + "[" + k + "]" : "unknown " + why));
            }
        }
    }

    private static String shortest(List<Pair> pairs, String pairsField) {
        int best = 0;
        for (int k = 1; k < pairs.size(); k++) if (pairs.get(k).length() < pairs.get(best).length()) best = k;
        return pairsField + "[" + best + "]";
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static int[] ints(JsonNode v, String f, int min) {
        if (!v.isArray() || v.isEmpty()) throw new IllegalArgumentException(f + ": expected a non-empty array of integers");
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToInt() || x.asInt() < min)
                throw new IllegalArgumentException(f + "[" + i + "]: expected an integer" + (min == 0 ? " >= 0" : "") + ", got " + x);
            out[i] = x.asInt();
        }
        return out;
    }

    /** {@code v} when no value repeats; else an error naming the second one ({@code what}: "position", "layer"). */
    private static int[] distinct(int[] v, String f, String what) {
        String name = f.substring(f.lastIndexOf('.') + 1);
        for (int i = 0; i < v.length; i++)
            for (int j = 0; j < i; j++)
                if (v[i] == v[j]) throw new IllegalArgumentException(f + "[" + i + "]: " + what + " " + v[i] + " repeats " + name + "[" + j + "]");
        return v;
    }

    private static String optText(JsonNode v, String f) {
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new IllegalArgumentException(f + ": expected a string, got " + v.getNodeType());
        return v.asText();
    }

    private static void known(JsonNode o, String f, Set<String> fields) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!fields.contains(name))
                throw new IllegalArgumentException(f + "." + name + ": unknown field (expected " + String.join(", ", sorted(fields)) + ")");
        }
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }
}
