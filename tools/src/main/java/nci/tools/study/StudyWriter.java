package nci.tools.study;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import nci.gpt2.Gpt2Config;
import nci.patching.ActivationCache;
import nci.tools.report.Block;
import nci.tools.report.Graphviz;
import nci.tools.report.Heatmap;
import nci.tools.report.Report;
import nci.tools.report.Section;
import nci.tools.report.Table;
import nci.tools.study.Study.Pair;
import nci.tools.study.Study.Series;
import nci.tools.study.StudyResult.ExperimentResult;
import nci.tools.study.StudyResult.Measurement;
import nci.tools.study.StudyResult.PairResult;

/**
 * Writes a study's output folder:
 * <ul>
 * <li>{@code results.json}: everything needed to read and to reproduce the study: nci version, model folder,
 *     digest, revision and config, the spec, timing, cache counters, per pair the prompts (text, ids, tokens),
 *     targets, the clean and counterfactual values, every run's values, and the findings;</li>
 * <li>{@code results.csv}: one row per (pair, experiment, run, series):
 *     {@code pair,experiment,type,node,position,metric,at,token,other,value};</li>
 * <li>{@code experiment.json}: the spec as an experiment file ({@code nci run} it to reproduce);</li>
 * <li>one heatmap per sweep, pair and series as {@code .svg} and {@code .png} (node × position with token
 *     labels; layer × head); with more than {@value #MAX_PAIRS_SHOWN} pairs, the mean over pairs instead;</li>
 * <li>{@code .dot} (and {@code .svg} when Graphviz is installed) of the computation graph of every single
 *     experiment ({@code patch}, {@code path}), for the first {@value #MAX_PAIRS_SHOWN} pairs;</li>
 * <li>{@code report.html}: prompts, findings, heatmaps, tables and graphs in one self-contained page.</li>
 * </ul>
 */
public final class StudyWriter {
    private StudyWriter() {}

    /** Pairs shown one by one in heatmaps, graphs and the report; beyond this, means over pairs. */
    public static final int MAX_PAIRS_SHOWN = 4;

    /** The files every study writes, whatever its experiments (the others are named after pairs and experiments). */
    public static final List<String> FIXED_FILES = List.of("report.html", "experiment.json", "results.csv", "results.json");

    /** What was written. */
    public record Output(Path dir, Path report, Path results, List<Path> files, List<Findings.Summary> summaries) {}

    public static Output write(StudyResult r, ModelSession session, String version, long loadMillis, Path dir) throws IOException {
        OutputFiles.folder(dir, "output folder");
        List<Path> earlier = earlierFiles(dir);
        List<Path> files = new ArrayList<>();
        List<Findings.Summary> summaries = Findings.all(r);
        String title = r.study().description().isEmpty() ? "Path-patching study" : r.study().description();
        String revision = session.revision();
        Report.Builder report = Report.builder(title)
                .model(session.dir().getFileName().toString(), revision.isEmpty() ? "sha256:" + r.modelDigest().substring(0, 12) : revision);
        boolean each = r.pairs().size() <= MAX_PAIRS_SHOWN;

        // Prompts and findings.
        for (PairResult p : r.pairs().subList(0, Math.min(r.pairs().size(), MAX_PAIRS_SHOWN))) {
            String name = r.study().pairName(p.index());
            report.prompt(new nci.tools.report.Prompt("clean (" + name + ")", text(p.pair().clean(), session), session.tokenTexts(p.pair().clean().ids())));
            report.prompt(new nci.tools.report.Prompt("counterfactual (" + name + ")", text(p.pair().counterfactual(), session),
                    session.tokenTexts(p.pair().counterfactual().ids())));
        }
        for (Findings.Summary s : summaries)
            if (each || s.pair() == 0) report.finding((r.pairs().size() > 1 ? r.study().pairName(s.pair()) + ", " : "") + Findings.sentence(r, s));
        report.findings(baselineTable(r));

        // Heatmaps and tables, per experiment.
        for (int e = 0; e < r.study().experiments().size(); e++) {
            String expName = r.study().experimentName(e);
            if (r.pairs().getFirst().experiments().get(e).isSweep()) {
                if (each) {
                    for (PairResult p : r.pairs()) {
                        List<Block> blocks = new ArrayList<>();
                        blocks.add(new Block.Paragraph(explain(r.study().experiments().get(e))));
                        for (int s = 0; s < r.series().size(); s++) {
                            Heatmap h = heatmap(r, List.of(p), e, s, session);
                            files.addAll(writeHeatmap(h, dir, fileStem(r, p.index(), e) + ".s" + s + "-" + r.series().get(s).slug(p.pair())));
                            blocks.add(new Block.Figure(h));
                        }
                        if (r.study().experiments().get(e) instanceof Study.Experiment.Heads)
                            blocks.add(headsTable(r, p, e));
                        report.section(new Section((r.pairs().size() > 1 ? r.study().pairName(p.index()) + ": " : "") + expName, blocks));
                    }
                } else {
                    List<Block> blocks = new ArrayList<>();
                    blocks.add(new Block.Paragraph(explain(r.study().experiments().get(e)) + " Mean over " + r.pairs().size() + " pairs."));
                    for (int s = 0; s < r.series().size(); s++) {
                        Heatmap h = heatmap(r, r.pairs(), e, s, session);
                        files.addAll(writeHeatmap(h, dir, "mean.e" + e + "-" + Slug.of(expName) + ".s" + s + "-"
                                + r.series().get(s).slug(r.pairs().stream().map(PairResult::pair).toList())));
                        blocks.add(new Block.Figure(h));
                    }
                    report.section(new Section(expName + " (mean over pairs)", blocks));
                }
            } else {
                List<Block> blocks = new ArrayList<>();
                blocks.add(new Block.Paragraph(explain(r.study().experiments().get(e))));
                blocks.add(singleTable(r, e));
                report.section(new Section(expName, blocks));
                for (PairResult p : r.pairs().subList(0, Math.min(r.pairs().size(), MAX_PAIRS_SHOWN))) {
                    Measurement m = p.experiments().get(e).runs().getFirst();
                    String dot = m.provenance().toDot();
                    Path f = dir.resolve(fileStem(r, p.index(), e) + ".graph.dot");
                    OutputFiles.write(f, dot);
                    files.add(f);
                    report.graph("Computation graph: " + expName + (r.pairs().size() > 1 ? " on " + r.study().pairName(p.index()) : ""), dot);
                }
            }
        }
        report.graphviz(Graphviz.onPath());
        Report built = report.build();
        // The graphs' SVGs next to their DOT files (same order as added).
        int g = 0;
        for (int e = 0; e < r.study().experiments().size(); e++) {
            if (r.pairs().getFirst().experiments().get(e).isSweep()) continue;
            for (PairResult p : r.pairs().subList(0, Math.min(r.pairs().size(), MAX_PAIRS_SHOWN))) {
                String svg = built.graphs().get(g++).svg();
                if (svg.isEmpty()) continue;
                Path f = dir.resolve(fileStem(r, p.index(), e) + ".graph.svg");
                OutputFiles.write(f, svg);
                files.add(f);
            }
        }
        Path html = dir.resolve("report.html");
        OutputFiles.write(html, built.html());
        files.add(html);

        Path spec = dir.resolve("experiment.json");
        OutputFiles.write(spec, StudyFile.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r.study().source()) + "\n");
        files.add(spec);
        Path csv = dir.resolve("results.csv");
        OutputFiles.write(csv, csv(r));
        files.add(csv);
        Path json = dir.resolve("results.json");
        files.add(json);
        ObjectNode root = json(r, session, version, loadMillis, summaries, dir, files);
        OutputFiles.write(json, StudyFile.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        for (Path old : earlier)
            if (!files.contains(old)) {
                try {
                    Files.deleteIfExists(old);
                } catch (IOException e) {
                    // a leftover of the earlier study; results.json lists what this one wrote
                }
            }
        return new Output(dir, html, json, List.copyOf(files), summaries);
    }

    /**
     * The files an earlier study wrote into {@code dir}, as its results.json lists them ({@code files}), so that a
     * study written over it does not leave the earlier one's heatmaps and graphs beside its own. Only regular files
     * directly in {@code dir} whose names a study writes are taken; anything unreadable gives none.
     */
    static List<Path> earlierFiles(Path dir) {
        Path results = dir.resolve("results.json");
        if (!Files.isRegularFile(results)) return List.of();
        List<Path> out = new ArrayList<>();
        try {
            JsonNode listed = StudyFile.JSON.readTree(results.toFile()).get("files");
            if (listed == null || !listed.isArray()) return List.of();
            for (JsonNode f : listed) {
                if (!f.isTextual()) continue;
                String name = f.asText();
                if (name.contains("/") || name.contains("\\") || name.startsWith(".") || !WRITTEN.matcher(name).matches()) continue;
                Path p = dir.resolve(name);
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) out.add(p);
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return out;
    }

    /** The names a study writes: the fixed files, and heatmaps and graphs ({@code p0-….e1-….s0-….svg}, {@code mean.…png}). */
    private static final java.util.regex.Pattern WRITTEN = java.util.regex.Pattern.compile(
            "report\\.html|experiment\\.json|results\\.csv|results\\.json|(p\\d+-|mean\\.)[^/\\\\]*\\.(svg|png|dot)");

    private static String fileStem(StudyResult r, int pair, int e) {
        return "p" + pair + "-" + Slug.of(r.study().pairName(pair)) + ".e" + e + "-" + Slug.of(r.study().experimentName(e));
    }

    private static List<Path> writeHeatmap(Heatmap h, Path dir, String stem) throws IOException {
        Path svg = dir.resolve(stem + ".svg"), png = dir.resolve(stem + ".png");
        OutputFiles.write(svg, h.toSvg());
        OutputFiles.write(png, h.toPngBytes());
        return List.of(svg, png);
    }

    private static String text(Study.Input in, ModelSession s) {
        return in.text() != null ? in.text() : String.join("", s.tokenTexts(in.ids()));
    }

    private static String explain(Study.Experiment e) {
        return switch (e) {
            case Study.Experiment.NodePosition x -> "Node × position: each cell is a run in which that node's input at that position "
                    + "is taken from the counterfactual and everything else from the clean prompt; the value is read at the "
                    + "last position unless the metric says otherwise.";
            case Study.Experiment.Heads x -> "Per head: each cell is a run in which that head's query, key and value inputs "
                    + "(at every position) come from the counterfactual, everything else from the clean prompt.";
            case Study.Experiment.PathPatch x -> "Path patching " + x.senderName() + " → " + x.receiverName()
                    + ": only the direct path from the sender to the receiver reads the counterfactual.";
            case Study.Experiment.Patch x -> "One experiment given by branch/which rules (input 0 = clean, 1 = counterfactual).";
        };
    }

    /** Heatmap of series {@code s} of experiment {@code e}: one pair's values, or the mean over several pairs. */
    private static Heatmap heatmap(StudyResult r, List<PairResult> pairs, int e, int s, ModelSession session) {
        LinkedHashSet<String> rowSet = new LinkedHashSet<>(), colSet = new LinkedHashSet<>();
        for (PairResult p : pairs) {
            rowSet.addAll(p.experiments().get(e).rowKeys());
            colSet.addAll(p.experiments().get(e).colKeys());
        }
        List<String> rows = new ArrayList<>(rowSet), cols = new ArrayList<>(colSet);
        double[][] sum = new double[rows.size()][cols.size()];
        int[][] n = new int[rows.size()][cols.size()];
        for (PairResult p : pairs) {
            ExperimentResult x = p.experiments().get(e);
            for (Measurement m : x.runs()) {
                int ri = rows.indexOf(x.rowKeys().get(m.row())), ci = cols.indexOf(x.colKeys().get(m.col()));
                sum[ri][ci] += m.value(s);
                n[ri][ci]++;
            }
        }
        for (int i = 0; i < rows.size(); i++)
            for (int j = 0; j < cols.size(); j++) sum[i][j] = n[i][j] == 0 ? Double.NaN : sum[i][j] / n[i][j];
        Study.Experiment ex = r.study().experiments().get(e);
        Series series = r.series().get(s);
        // Positions count from the start, so over pairs of different lengths a column averages the pairs that reach it.
        boolean ragged = !(ex instanceof Study.Experiment.Heads) && pairs.stream().mapToInt(p -> p.pair().length()).distinct().count() > 1;
        String what = pairs.size() == 1 ? series.label(pairs.getFirst().pair())
                : series.label(pairs.stream().map(PairResult::pair).toList()) + (ragged
                ? " (mean over the pairs long enough for each position, of " + pairs.size() + " pairs)" : " (mean over " + pairs.size() + " pairs)");
        Heatmap.Builder b = Heatmap.builder(r.study().experimentName(e) + ": " + what
                + (pairs.size() == 1 && r.pairs().size() > 1 ? " on " + r.study().pairName(pairs.getFirst().index()) : ""));
        if (ex instanceof Study.Experiment.Heads) {
            b.rows("layer", rows).columns("head", cols);
        } else {
            List<String> labels = new ArrayList<>();
            for (String c : cols) labels.add(positionLabel(Integer.parseInt(c), pairs, session));
            b.rows("node", rows).columns("position: token (clean→counterfactual where they differ)", labels);
        }
        b.values(sum).cellFormat("%.2f");
        if (series.isProbability()) b.probability().scaleCaption(what);
        else b.sequential().scaleCaption(what);
        return b.build();
    }

    /** {@code 5:␣mat→␣rug}: the position, then its token(s) when every pair agrees on them. */
    private static String positionLabel(int pos, List<PairResult> pairs, ModelSession session) {
        String clean = null, cf = null;
        for (PairResult p : pairs) {
            if (pos >= p.pair().length()) return Integer.toString(pos);
            String c = session.tokenText(p.pair().clean().ids()[pos]), f = session.tokenText(p.pair().counterfactual().ids()[pos]);
            if (clean == null) { clean = c; cf = f; }
            else if (!clean.equals(c) || !cf.equals(f)) return Integer.toString(pos);
        }
        return pos + ":" + (clean.equals(cf) ? clean : clean + "→" + cf);
    }

    private static Table baselineTable(StudyResult r) {
        List<String> header = new ArrayList<>(List.of("pair", "run"));
        boolean same = r.pairs().stream().allMatch(p -> labels(r, p).equals(labels(r, r.pairs().getFirst())));
        for (int s = 0; s < r.series().size(); s++) header.add(same ? r.series().get(s).label(r.pairs().getFirst().pair()) : "series " + s);
        List<List<String>> rows = new ArrayList<>();
        for (PairResult p : r.pairs().subList(0, Math.min(r.pairs().size(), MAX_PAIRS_SHOWN))) {
            for (Measurement m : List.of(p.clean(), p.counterfactual())) {
                List<String> row = new ArrayList<>(List.of(r.study().pairName(p.index()), m.node().equals("none") ? "clean" : "counterfactual"));
                for (double v : m.values()) row.add(num(v));
                rows.add(row);
            }
        }
        return new Table("Unpatched runs", header, rows);
    }

    private static List<String> labels(StudyResult r, PairResult p) {
        return r.series().stream().map(s -> s.label(p.pair())).toList();
    }

    private static Table headsTable(StudyResult r, PairResult p, int e) {
        ExperimentResult x = p.experiments().get(e);
        List<String> header = new ArrayList<>(List.of("head"));
        for (Series s : r.series()) header.add(s.label(p.pair()));
        List<List<String>> rows = new ArrayList<>();
        for (Measurement m : x.runs()) {
            List<String> row = new ArrayList<>(List.of(m.node()));
            for (double v : m.values()) row.add(num(v));
            rows.add(row);
        }
        return new Table("Each head sent to the counterfactual", header, rows);
    }

    private static Table singleTable(StudyResult r, int e) {
        List<String> header = new ArrayList<>(List.of("pair", "run"));
        for (int s = 0; s < r.series().size(); s++) header.add(r.series().get(s).label(r.pairs().getFirst().pair()));
        List<List<String>> rows = new ArrayList<>();
        for (PairResult p : r.pairs().subList(0, Math.min(r.pairs().size(), MAX_PAIRS_SHOWN))) {
            for (Measurement m : List.of(p.clean(), p.counterfactual(), p.experiments().get(e).runs().getFirst())) {
                List<String> row = new ArrayList<>(List.of(r.study().pairName(p.index()), m.node().equals("none") ? "clean" : m.node()));
                for (double v : m.values()) row.add(num(v));
                rows.add(row);
            }
        }
        return new Table("Patched against unpatched", header, rows);
    }

    static String num(double v) {
        return Double.isNaN(v) ? "–" : v != 0 && Math.abs(v) < 1e-3 ? String.format(Locale.ROOT, "%.3e", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    // ------------------------------------------------------------------------------------------------ CSV

    static String csv(StudyResult r) {
        StringBuilder sb = new StringBuilder();
        Csv.row(sb, List.of("pair", "experiment", "type", "node", "position", "metric", "at", "token", "other", "value"));
        for (PairResult p : r.pairs()) {
            String pair = r.study().pairName(p.index());
            csvRows(sb, r, p, pair, "baseline", "baseline", p.clean());
            csvRows(sb, r, p, pair, "baseline", "baseline", p.counterfactual());
            for (ExperimentResult x : p.experiments())
                for (Measurement m : x.runs()) csvRows(sb, r, p, pair, r.study().experimentName(x.index()), x.experiment().type(), m);
        }
        return sb.toString();
    }

    private static void csvRows(StringBuilder sb, StudyResult r, PairResult p, String pair, String exp, String type, Measurement m) {
        for (int s = 0; s < r.series().size(); s++) {
            Series se = r.series().get(s);
            String token = "", other = "";
            if (se.token(p.pair()) != null) token = se.token(p.pair()).text();
            if (se.def() instanceof Study.Metric.LogitDiff d) {
                token = Study.diffA(d, p.pair()).text();
                other = Study.diffB(d, p.pair()).text();
            }
            String at = se.def().positions() == null ? "last" : Study.positionsText(se.def().positions()).replace(',', ';');
            Csv.row(sb, List.of(pair, exp, type, m.node(), m.position(), se.def().type(), at, token, other, Csv.number(m.value(s))));
        }
    }

    // ------------------------------------------------------------------------------------------------ JSON

    private static ObjectNode json(StudyResult r, ModelSession session, String version, long loadMillis,
                                   List<Findings.Summary> summaries, Path dir, List<Path> files) {
        ObjectNode root = StudyFile.JSON.createObjectNode();
        root.put("nci_version", version);
        ObjectNode model = root.putObject("model");
        model.put("folder", session.dir().toAbsolutePath().normalize().toString());
        model.put("spec", r.study().model());
        model.put("digest", "sha256:" + r.modelDigest());
        model.put("revision", session.revision().isEmpty() ? null : session.revision());
        Gpt2Config c = session.config();
        model.putObject("config").put("n_layer", c.nLayer()).put("n_head", c.nHead()).put("n_embd", c.nEmbd())
                .put("n_positions", c.nPositions()).put("vocab_size", c.vocabSize()).put("activation", c.activation().configName());
        root.set("spec", r.study().source());
        root.putObject("timing").put("load_ms", loadMillis).put("run_ms", r.runMillis());
        root.set("cache", cache(r.cache()));
        ArrayNode series = root.putArray("series");
        for (Series s : r.series()) {
            ObjectNode o = series.addObject().put("metric", s.def().type());
            if (s.target() >= 0) o.put("target", s.target());
            if (s.def().positions() != null) { ArrayNode a = o.putArray("positions"); for (int p : s.def().positions()) a.add(p); }
            if (s.def() instanceof Study.Metric.LogitDiff d && d.a() != null) {   // without: each pair's first two targets
                ArrayNode t = o.putArray("tokens");
                for (Study.Target x : List.of(d.a(), d.b())) t.addObject().put("token", x.text()).put("id", x.id());
            }
        }
        ArrayNode pairs = root.putArray("pairs");
        for (PairResult p : r.pairs()) {
            ObjectNode po = pairs.addObject();
            po.put("name", r.study().pairName(p.index()));
            po.set("clean", input(p.pair().clean(), session));
            po.set("counterfactual", input(p.pair().counterfactual(), session));
            ArrayNode tg = po.putArray("targets");
            for (Study.Target t : p.pair().targets()) tg.addObject().put("token", t.text()).put("id", t.id());
            ArrayNode labels = po.putArray("series");
            for (Series s : r.series()) labels.add(s.label(p.pair()));
            po.set("clean_run", values(p.clean().values()));
            po.set("counterfactual_run", values(p.counterfactual().values()));
            ArrayNode exps = po.putArray("experiments");
            for (ExperimentResult x : p.experiments()) {
                ObjectNode xo = exps.addObject().put("index", x.index()).put("name", r.study().experimentName(x.index()))
                        .put("type", x.experiment().type());
                ArrayNode runs = xo.putArray("runs");
                for (Measurement m : x.runs()) {
                    ObjectNode mo = runs.addObject().put("node", m.node()).put("position", m.position());
                    mo.set("values", values(m.values()));
                    if (m.provenance() != null) mo.put("graph", m.provenance().render());
                }
            }
        }
        ArrayNode fs = root.putArray("findings");
        for (Findings.Summary s : summaries) {
            ObjectNode o = fs.addObject().put("pair", r.study().pairName(s.pair())).put("experiment", r.study().experimentName(s.experiment()))
                    .put("type", r.study().experiments().get(s.experiment()).type())
                    .put("series", r.series().get(s.series()).label(r.pairs().get(s.pair()).pair()))
                    .put("clean", s.clean()).put("counterfactual", s.counterfactual()).put("measurable", s.measurable())
                    .put("sentence", Findings.sentence(r, s));
            components(o.putArray("components"), s.findings());
            components(o.putArray("opposing"), s.opposing());
        }
        ArrayNode fl = root.putArray("files");
        for (Path f : files) fl.add(dir.relativize(f).toString());
        return root;
    }

    private static void components(ArrayNode out, List<Findings.Finding> found) {
        for (Findings.Finding f : found) {
            ObjectNode fo = out.addObject().put("component", f.component()).put("node", f.node()).put("position", f.position())
                    .put("patched", f.patched()).put("effect", f.effect());
            if (Double.isFinite(f.fraction())) fo.put("fraction", f.fraction()); else fo.putNull("fraction");
        }
    }

    static ObjectNode cache(ActivationCache.Stats s) {
        return StudyFile.JSON.createObjectNode().put("entries", s.entries()).put("hits", s.hits()).put("partial_hits", s.partialHits())
                .put("misses", s.misses()).put("bytes", s.bytes());
    }

    static ObjectNode input(Study.Input in, ModelSession s) {
        ObjectNode o = StudyFile.JSON.createObjectNode();
        if (in.text() != null) o.put("text", in.text()); else o.putNull("text");
        ArrayNode ids = o.putArray("ids");
        for (int id : in.ids()) ids.add(id);
        ArrayNode toks = o.putArray("tokens");
        for (String t : s.tokenTexts(in.ids())) toks.add(t);
        return o;
    }

    private static ArrayNode values(double[] v) {
        ArrayNode a = StudyFile.JSON.createArrayNode();
        for (double x : v) { if (Double.isFinite(x)) a.add(x); else a.addNull(); }
        return a;
    }
}
