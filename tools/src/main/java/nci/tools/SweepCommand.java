package nci.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import nci.gpt2.Gpt2Config;
import nci.patching.Node;
import nci.tools.study.Csv;
import nci.tools.study.ModelSession;
import nci.tools.study.OutputFiles;
import nci.tools.study.Strings;
import nci.tools.study.Study;
import nci.tools.study.StudyFile;
import nci.tools.study.StudyResult;
import nci.tools.study.StudyRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nci sweep --model DIR --clean TEXT --counterfactual TEXT --targets TOK,TOK [--nodes a1,f0] [--positions 3,4]
 * [--heads] --out DIR}: the seed's node × position sweep ({@code intervene_node_and_pos}), or with {@code --heads}
 * the per-head sweep. Writes {@code sweep.json} and {@code sweep.csv} ({@code node,position,token,probability};
 * the unpatched clean run is node {@code none}, position 0, as in the seed's data frame, which has no row for the
 * counterfactual run: sweep.json holds it, as {@code counterfactual_run}).
 *
 * <p>{@code --targets} is split on commas only, each piece taken verbatim: {@code " John, Mary"} is the tokens
 * {@code " John"} and {@code " Mary"}; each must be exactly one token.
 */
@Command(name = "sweep", description = "Node x position (or per-head) path-patching sweep of one prompt pair.")
final class SweepCommand implements Callable<Integer> {

    @Mixin
    PackedCacheOption packedCache = new PackedCacheOption();

    @Option(names = "--model", paramLabel = "MODEL", description = "A model folder, a hub cache folder, or a hub name such as gpt2 or org/name@revision (default: the embedded model).")
    String model;

    @Option(names = "--clean", paramLabel = "TEXT", required = true, description = "The clean prompt (input 0).")
    String clean;

    @Option(names = "--counterfactual", paramLabel = "TEXT", required = true, description = "The counterfactual prompt (input 1), same token length.")
    String counterfactual;

    @Option(names = "--targets", paramLabel = "TOK,TOK", required = true,
            description = "Target tokens, split on commas only and taken verbatim (\" John, Mary\" = \" John\" and \" Mary\").")
    String targets;

    @Option(names = "--nodes", paramLabel = "NODES", description = "Comma-separated aN/fN nodes (default: f{L-1}, a{L-1}, ..., f0, a0).")
    String nodes;

    @Option(names = "--positions", paramLabel = "POS", description = "Comma-separated positions (default: all).")
    String positions;

    @Option(names = "--heads", description = "Per-head sweep instead: each head aN.headH reads the counterfactual at every position.")
    boolean heads;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output folder for sweep.json and sweep.csv.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (heads && (nodes != null || positions != null))
            throw new IllegalArgumentException("--heads sweeps every head at every position: it takes no --nodes or --positions");
        long t0 = System.nanoTime();
        try (ModelSession s = ModelSession.open(Models.resolve(model), packedCache.on())) {
            Gpt2Config c = s.config();
            int[] cleanIds = s.encode(clean, "--clean"), cfIds = s.encode(counterfactual, "--counterfactual");
            if (cleanIds.length != cfIds.length)
                throw new IllegalArgumentException("--clean has " + cleanIds.length + " tokens but --counterfactual has " + cfIds.length
                        + " (a sweep needs equal token lengths)");
            if (cleanIds.length > c.nPositions())
                throw new IllegalArgumentException("--clean has " + cleanIds.length + " tokens, the model takes at most " + c.nPositions());
            int T = cleanIds.length;
            List<Study.Target> tg = new ArrayList<>();
            List<String> pieces = Strings.splitVerbatim(targets, "--targets");
            for (int i = 0; i < pieces.size(); i++) {
                Study.Target t = new Study.Target(pieces.get(i), s.singleToken(pieces.get(i), "--targets item " + i));
                for (int j = 0; j < i; j++)
                    if (tg.get(j).id() == t.id())
                        throw new IllegalArgumentException("--targets item " + i + ": " + Strings.quote(t.text()) + " is the same token as item " + j
                                + " " + Strings.quote(tg.get(j).text()) + "; each target must be a different token");
                tg.add(t);
            }

            ObjectNode source = StudyFile.JSON.createObjectNode();
            source.put("description", "nci sweep" + (heads ? " --heads" : ""));
            if (model != null) source.put("model", model);
            ObjectNode pj = source.putArray("pairs").addObject().put("clean", clean).put("counterfactual", counterfactual);
            ArrayNode tj = source.putArray("targets");
            for (Study.Target t : tg) tj.add(t.text());
            source.putArray("metrics").add("prob").add("logit");
            ObjectNode ej = source.putArray("experiments").addObject();
            Study.Experiment exp;
            if (heads) {
                int[] layers = new int[c.nLayer()];
                for (int l = 0; l < layers.length; l++) layers[l] = l;
                exp = new Study.Experiment.Heads(null, layers);
                ej.put("type", "heads");
            } else {
                List<Node> ns = new ArrayList<>();
                ej.put("type", "node_position");
                if (nodes == null) {
                    for (int l = c.nLayer() - 1; l >= 0; l--) { ns.add(new Node.Mlp(l)); ns.add(new Node.Attn(l)); }
                } else {
                    ArrayNode nj = ej.putArray("nodes");
                    for (String n : Strings.splitTrimmed(nodes, "--nodes")) {
                        Node node = node(n, c);
                        if (ns.contains(node)) throw new IllegalArgumentException("--nodes: '" + n + "' is given twice");
                        ns.add(node);
                        nj.add(n);
                    }
                }
                int[] pos = null;
                if (positions != null) {
                    List<String> ps = Strings.splitTrimmed(positions, "--positions");
                    pos = new int[ps.size()];
                    ArrayNode pj2 = ej.putArray("positions");
                    for (int i = 0; i < pos.length; i++) {
                        pos[i] = Ids.number(ps.get(i), i, "--positions", "a position");
                        if (pos[i] >= T)
                            throw new IllegalArgumentException("--positions: position " + pos[i] + " out of range (the prompts have " + T
                                    + " tokens: 0.." + (T - 1) + ")");
                        for (int j = 0; j < i; j++)
                            if (pos[j] == pos[i]) throw new IllegalArgumentException("--positions: position " + pos[i] + " is given twice");
                        pj2.add(pos[i]);
                    }
                }
                exp = new Study.Experiment.NodePosition(null, ns, pos);
            }
            Study study = new Study(source.get("description").asText(), model,
                    List.of(new Study.Pair(null, new Study.Input(clean, cleanIds), new Study.Input(counterfactual, cfIds), tg)),
                    List.of(exp), List.of(new Study.Metric.Prob(null), new Study.Metric.Logit(null)), null, source);

            OutputFiles.folder(out, "--out");
            s.engine();                                       // the model digest is part of loading
            long loadMs = (System.nanoTime() - t0) / 1_000_000;
            StudyResult r = StudyRunner.run(study, s, System.err);
            write(r, s, loadMs, tg);
            StudyResult.PairResult p = r.pairs().getFirst();
            int n = p.experiments().getFirst().runs().size();
            // as the progress line counts them: the patched runs and the two unpatched ones
            System.out.println((heads ? "heads" : "node x position") + " sweep: " + (n + 2) + " runs (" + n
                    + " patched, the clean run and the counterfactual run) in " + r.runMillis() + " ms (model load " + loadMs + " ms)");
            for (int i = 0; i < tg.size(); i++)
                System.out.println("  clean p(" + Strings.quote(tg.get(i).text()) + ") = " + Strings.prob(p.clean().value(i))
                        + ", counterfactual run " + Strings.prob(p.counterfactual().value(i)));
            System.out.println("wrote " + out.resolve("sweep.json") + " and " + out.resolve("sweep.csv"));
        }
        return 0;
    }

    private static Node node(String n, Gpt2Config c) {
        Node node;
        try {
            node = Node.parse(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--nodes: " + e.getMessage());
        }
        if (!(node instanceof Node.Attn || node instanceof Node.Mlp))
            throw new IllegalArgumentException("--nodes: '" + n + "' cannot be swept by position (expected aN or fN)");
        String why = node.misfit(c.nLayer(), c.nHead(), Integer.MAX_VALUE);
        if (why != null) throw new IllegalArgumentException("--nodes: unknown " + why);
        return node;
    }

    private void write(StudyResult r, ModelSession s, long loadMs, List<Study.Target> tg) throws java.io.IOException {
        StudyResult.PairResult p = r.pairs().getFirst();
        int nt = tg.size();
        List<StudyResult.Measurement> runs = new ArrayList<>();
        runs.add(p.clean());
        runs.addAll(p.experiments().getFirst().runs());

        StringBuilder csv = new StringBuilder();
        Csv.row(csv, List.of("node", "position", "token", "probability"));
        ObjectNode root = StudyFile.JSON.createObjectNode();
        root.put("nci_version", Main.VERSION);
        root.put("kind", heads ? "heads" : "node_position");
        root.putObject("model").put("folder", s.dir().toAbsolutePath().normalize().toString())
                .put("digest", "sha256:" + r.modelDigest()).put("revision", s.revision().isEmpty() ? null : s.revision());
        ObjectNode inputs = root.putObject("inputs");
        inputs.set("clean", inputJson(p.pair().clean(), s));
        inputs.set("counterfactual", inputJson(p.pair().counterfactual(), s));
        ArrayNode targetsJson = root.putArray("targets");
        for (Study.Target t : tg) targetsJson.addObject().put("token", t.text()).put("id", t.id());
        ArrayNode rj = root.putArray("runs");
        for (StudyResult.Measurement m : runs) {
            String pos = m.node().equals("none") ? "0" : m.position();
            ObjectNode o = rj.addObject().put("node", m.node()).put("position", pos);
            ArrayNode probs = o.putArray("probs"), logits = o.putArray("logits");
            for (int i = 0; i < nt; i++) {
                probs.add(m.value(i));
                logits.add(m.value(nt + i));
                Csv.row(csv, List.of(m.node(), pos, tg.get(i).text(), Csv.number(m.value(i))));
            }
        }
        ObjectNode cf = root.putObject("counterfactual_run");
        ArrayNode cfp = cf.putArray("probs"), cfl = cf.putArray("logits");
        for (int i = 0; i < nt; i++) { cfp.add(p.counterfactual().value(i)); cfl.add(p.counterfactual().value(nt + i)); }
        var st = r.cache();
        root.putObject("cache").put("entries", st.entries()).put("hits", st.hits()).put("partial_hits", st.partialHits())
                .put("misses", st.misses()).put("bytes", st.bytes());
        root.putObject("timing").put("load_ms", loadMs).put("sweep_ms", r.runMillis());
        OutputFiles.write(out.resolve("sweep.csv"), csv.toString());
        OutputFiles.write(out.resolve("sweep.json"), StudyFile.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    private static ObjectNode inputJson(Study.Input in, ModelSession s) {
        ObjectNode o = StudyFile.JSON.createObjectNode().put("text", in.text());
        ArrayNode ids = o.putArray("ids");
        for (int id : in.ids()) ids.add(id);
        ArrayNode toks = o.putArray("tokens");
        for (String t : s.tokenTexts(in.ids())) toks.add(t);
        return o;
    }
}
