package nci.tools.study;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import nci.gpt2.Gpt2Model;
import nci.patching.Intervention;
import nci.patching.Interventions;
import nci.patching.Node;
import nci.patching.Metrics;
import nci.patching.PatchEngine;
import nci.patching.PatchResult;
import nci.patching.RunOptions;
import nci.tools.study.Study.Experiment;
import nci.tools.study.Study.Metric;
import nci.tools.study.Study.Pair;
import nci.tools.study.Study.Series;
import nci.tools.study.StudyResult.ExperimentResult;
import nci.tools.study.StudyResult.Measurement;
import nci.tools.study.StudyResult.PairResult;

/**
 * Runs a {@link Study} on one engine, in batches ({@link PatchEngine#runAll}), sharing the engine's activation cache across every pair and
 * experiment (the clean computations are done once; a patch before the first differing token is a cache hit).
 *
 * <p>Per pair: the clean run (input 0 unpatched), the counterfactual run (input 1 unpatched), then each
 * experiment. A node × position sweep runs, for each node in order and each position ascending,
 * {@link Interventions#nodeAtPosition} (exactly the seed's {@code intervene_node_and_pos}); a heads sweep runs
 * {@link Interventions#head} for each listed layer and every head; {@code path} runs
 * {@link Interventions#senderToReceiver}; {@code patch} the given rules.
 */
public final class StudyRunner {
    private StudyRunner() {}

    /** One run to do: its labels, heatmap cell and intervention. */
    private record Task(String node, String position, int row, int col, Intervention iv, boolean keepProvenance) {}

    /** @param err where progress goes (null for none) */
    public static StudyResult run(Study study, ModelSession session, PrintStream err) {
        PatchEngine engine = session.engine();
        Gpt2Model model = session.model();
        List<Series> series = study.series();
        int total = 0;
        List<List<List<Task>>> plan = new ArrayList<>();
        List<List<List<String>>> rowKeys = new ArrayList<>(), colKeys = new ArrayList<>();
        for (Pair p : study.pairs()) {
            List<List<Task>> perExp = new ArrayList<>();
            List<List<String>> rk = new ArrayList<>(), ck = new ArrayList<>();
            for (int e = 0; e < study.experiments().size(); e++) {
                List<String> rows = new ArrayList<>(), cols = new ArrayList<>();
                perExp.add(tasks(study, e, p, model.config().nLayer(), model.config().nHead(), rows, cols));
                rk.add(rows);
                ck.add(cols);
                total += perExp.getLast().size();
            }
            total += 2;
            plan.add(perExp);
            rowKeys.add(rk);
            colKeys.add(ck);
        }

        Progress progress = new Progress(err, "study", total);
        long t0 = System.nanoTime();
        List<PairResult> results = new ArrayList<>();
        for (int k = 0; k < study.pairs().size(); k++) {
            Pair p = study.pairs().get(k);
            List<int[]> inputs = p.inputs();
            Evaluator ev = new Evaluator(model, p, series);
            // The two unpatched runs first (the clean one is the KL baseline), then each experiment as one batch:
            // PatchEngine.runAll shares what the runs have in common and stacks the rest into large products. Only the
            // positions the series read are read, so the final layer leaves out the rows before the first of them.
            RunOptions options = RunOptions.DEFAULT.withHiddenFrom(ev.firstPosition());
            List<PatchResult> plain = engine.runAll(inputs, List.of(Interventions.plain(0), Interventions.plain(1)), options);
            ev.setClean(plain.get(0));
            double[][] plainValues = ev.evaluateAll(plain);
            Measurement clean = new Measurement("none", "", -1, -1, plainValues[0], plain.get(0).provenance(), plain.get(0).stats());
            Measurement cf = new Measurement("counterfactual", "", -1, -1, plainValues[1], plain.get(1).provenance(), plain.get(1).stats());
            progress.step(2);
            List<ExperimentResult> exps = new ArrayList<>();
            for (int e = 0; e < study.experiments().size(); e++) {
                List<Task> tasks = plan.get(k).get(e);
                List<Measurement> runs = new ArrayList<>(tasks.size());
                for (int c0 = 0; c0 < tasks.size(); c0 += BATCH) {
                    List<Task> chunk = tasks.subList(c0, Math.min(tasks.size(), c0 + BATCH));
                    List<PatchResult> rs = engine.runAll(inputs, chunk.stream().map(Task::iv).toList(), options);
                    double[][] values = ev.evaluateAll(rs);
                    for (int i = 0; i < chunk.size(); i++) {
                        Task t = chunk.get(i);
                        PatchResult r = rs.get(i);
                        runs.add(new Measurement(t.node(), t.position(), t.row(), t.col(), values[i],
                                t.keepProvenance() ? r.provenance() : null, r.stats()));
                    }
                    progress.step(chunk.size());
                }
                exps.add(new ExperimentResult(e, study.experiments().get(e), runs, rowKeys.get(k).get(e), colKeys.get(k).get(e)));
            }
            results.add(new PairResult(k, p, clean, cf, exps));
        }
        progress.finish();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new StudyResult(study, series, results, ms, engine.cache().stats(), engine.digest().hex());
    }

    /** Runs per {@link PatchEngine#runAll} batch: large enough for big products, small enough for steady progress. */
    private static final int BATCH = 64;

    private static List<Task> tasks(Study study, int e, Pair p, int nLayer, int nHead, List<String> rows, List<String> cols) {
        List<Task> out = new ArrayList<>();
        Experiment ex = study.experiments().get(e);
        String name = study.experimentName(e);
        switch (ex) {
            case Experiment.Patch x -> out.add(new Task(name, "", -1, -1, new Intervention(x.branch(), x.which()), true));
            case Experiment.PathPatch x -> out.add(new Task(x.senderName() + "->" + x.receiverName(), "", -1, -1,
                    Interventions.senderToReceiver(x.sender(), x.receiver(), nLayer, 1, 0), true));
            case Experiment.NodePosition x -> {
                int[] positions = x.positions();
                if (positions == null) {
                    positions = new int[p.length()];
                    for (int i = 0; i < positions.length; i++) positions[i] = i;
                }
                for (int pos : positions) cols.add(Integer.toString(pos));
                for (int r = 0; r < x.nodes().size(); r++) {
                    Node n = x.nodes().get(r);
                    rows.add(n.name());
                    for (int c = 0; c < positions.length; c++)
                        out.add(new Task(n.name(), Integer.toString(positions[c]), r, c,
                                Interventions.nodeAtPosition(n, positions[c], 1, 0), false));
                }
            }
            case Experiment.Heads x -> {
                for (int h = 0; h < nHead; h++) cols.add(Integer.toString(h));
                for (int r = 0; r < x.layers().length; r++) {
                    int l = x.layers()[r];
                    rows.add("a" + l);
                    for (int h = 0; h < nHead; h++)
                        out.add(new Task(new Node.AttnHead(l, h).name(), "all", r, h, Interventions.head(l, h, 1, 0), false));
                }
            }
        }
        return out;
    }

    /** Reads every series off a run of one pair; logits rows are computed once per position and run. */
    private static final class Evaluator {
        private final Gpt2Model model;
        private final Pair pair;
        private final List<Series> series;
        private final int T, E, V;
        private final Map<Integer, float[]> cleanRows = new HashMap<>();

        Evaluator(Gpt2Model model, Pair pair, List<Series> series) {
            this.model = model;
            this.pair = pair;
            this.series = series;
            this.T = pair.length();
            this.E = model.config().nEmbd();
            this.V = model.config().vocabSize();
        }

        void setClean(PatchResult clean) {
            for (Series s : series)
                for (int p : positions(s.def())) cleanRows.computeIfAbsent(p, q -> model.logits(clean.hidden(), q * E, 1));
        }

        /**
         * The series of every run; the logits rows they need come from LM-head products of up to 256 rows, once per
         * distinct final state (runs with equal content keys have equal hidden states: a patch before the first
         * differing token is the clean run).
         */
        double[][] evaluateAll(List<PatchResult> runs) {
            Map<nci.patching.Key, Integer> index = new HashMap<>();
            List<PatchResult> distinct = new ArrayList<>();
            int[] slot = new int[runs.size()];
            for (int r = 0; r < runs.size(); r++) {
                PatchResult run = runs.get(r);
                Integer k = index.putIfAbsent(run.key(), distinct.size());
                if (k == null) {
                    k = distinct.size();
                    distinct.add(run);
                }
                slot[r] = k;
            }
            int[] ps = allPositions();
            int rowsPerRun = ps.length, perProduct = Math.max(1, 256 / rowsPerRun);
            double[][] values = new double[distinct.size()][];
            for (int c0 = 0; c0 < distinct.size(); c0 += perProduct) {
                int n = Math.min(perProduct, distinct.size() - c0);
                float[] h = new float[n * rowsPerRun * E];                                       // [n·P, E]
                for (int j = 0; j < n; j++)
                    for (int i = 0; i < rowsPerRun; i++)
                        System.arraycopy(distinct.get(c0 + j).hidden(), ps[i] * E, h, (j * rowsPerRun + i) * E, E);
                float[] lg = model.logits(h, 0, n * rowsPerRun);                                 // [n·P, V]
                for (int j = 0; j < n; j++) {
                    Map<Integer, float[]> rows = new HashMap<>();
                    for (int i = 0; i < rowsPerRun; i++)
                        rows.put(ps[i], java.util.Arrays.copyOfRange(lg, (j * rowsPerRun + i) * V, (j * rowsPerRun + i + 1) * V));
                    values[c0 + j] = evaluate(rows);
                }
            }
            double[][] out = new double[runs.size()][];
            for (int r = 0; r < runs.size(); r++) out[r] = values[slot[r]].clone();
            return out;
        }

        /** The first position any series reads (0 without series). */
        int firstPosition() {
            int[] ps = allPositions();
            return ps.length == 0 ? 0 : ps[0];
        }

        int[] positions(Metric m) {
            if (m.positions() == null) return new int[] {T - 1};
            int[] out = new int[m.positions().length];
            for (int i = 0; i < out.length; i++) out[i] = m.positions()[i] < 0 ? T + m.positions()[i] : m.positions()[i];
            return out;
        }

        /** Every position some series reads, ascending. */
        private int[] allPositions() {
            java.util.TreeSet<Integer> all = new java.util.TreeSet<>();
            for (Series s : series) for (int p : positions(s.def())) all.add(p);
            return all.stream().mapToInt(Integer::intValue).toArray();
        }

        /** The series from the logits rows [V] of one run, by position. */
        private double[] evaluate(Map<Integer, float[]> rows) {
            double[] out = new double[series.size()];
            for (int i = 0; i < out.length; i++) {
                Series s = series.get(i);
                int[] ps = positions(s.def());
                double sum = 0;
                for (int p : ps) {
                    float[] row = rows.get(p);                                                         // [V]
                    sum += switch (s.def()) {
                        case Metric.Prob m -> Metrics.probabilities(row, 0, V, new int[] {pair.targets().get(s.target()).id()})[0];
                        case Metric.Logit m -> row[pair.targets().get(s.target()).id()];
                        case Metric.LogitDiff m -> Metrics.logitDiff(row, 0, V, Study.diffA(m, pair).id(), Study.diffB(m, pair).id());
                        case Metric.Kl m -> Metrics.klDivergence(cleanRows.get(p), row, 0, V);
                    };
                }
                out[i] = sum / ps.length;
            }
            return out;
        }
    }
}
