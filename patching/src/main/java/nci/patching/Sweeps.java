package nci.patching;

import java.util.ArrayList;
import java.util.List;
import nci.gpt2.Gpt2Config;
import nci.tensor.Parallel;

/**
 * The standard sweeps, each a batch of experiments on one engine ({@link PatchEngine#runAll}), sharing its
 * cache: the clean computations are done once; with row keys, a patch before the first token where the inputs
 * differ is recognised as a no-op; the rows every experiment recomputes at a layer go through one matrix
 * multiply per weight matrix; and the metrics' logits come from one LM-head product over the distinct results'
 * last rows. Results are bit-identical to running the experiments one by one.
 */
public final class Sweeps {
    private Sweeps() {}

    /** Runs whose last rows go into one LM-head product (at most as many distinct rows): bounds the [rows, V] logits held. */
    private static final int LOGIT_ROWS = 256;

    /**
     * The seed's {@code intervene_node_and_pos}: node {@code none} (a plain forward of the clean input, reported
     * at position 0), then for every node f{L-1}, a{L-1}, ..., f0, a0 and every position P, that node at P reads
     * the counterfactual (input 1), all else the clean input (input 0); see
     * {@link Interventions#nodeAtPosition}. Records the targets' probabilities and logits at the last position.
     */
    public static SweepResult nodeAndPosition(PatchEngine engine, int[] clean, int[] counterfactual, int[] targets, boolean keepHidden) {
        Gpt2Config c = engine.model().config();
        int T = clean.length;
        List<Label> labels = new ArrayList<>();
        List<Intervention> ivs = new ArrayList<>();
        labels.add(new Label("none", "0"));
        ivs.add(Interventions.plain(0));
        for (int l = c.nLayer() - 1; l >= 0; l--) {
            for (Node node : List.of(new Node.Mlp(l), new Node.Attn(l))) {
                for (int p = 0; p < T; p++) {
                    labels.add(new Label(node.name(), Integer.toString(p)));
                    ivs.add(Interventions.nodeAtPosition(node, p, 1, 0));
                }
            }
        }
        return measure(engine, List.of(clean, counterfactual), labels, ivs, targets, keepHidden);
    }

    /**
     * Per-head sweep: for every layer (0 up) and head, that head reads the counterfactual (input 1) at every
     * position, all else clean: rules {@code aN: true}, {@code aN.head: heads}, {@code which: aN.headH -> 1,
     * default 0}. Reported with node {@code aN.headH} and position {@code all}.
     */
    public static SweepResult heads(PatchEngine engine, int[] clean, int[] counterfactual, int[] targets, boolean keepHidden) {
        Gpt2Config c = engine.model().config();
        List<Label> labels = new ArrayList<>();
        List<Intervention> ivs = new ArrayList<>();
        for (int l = 0; l < c.nLayer(); l++) {
            for (int h = 0; h < c.nHead(); h++) {
                labels.add(new Label(new Node.AttnHead(l, h).name(), "all"));
                ivs.add(Interventions.head(l, h, 1, 0));
            }
        }
        return measure(engine, List.of(clean, counterfactual), labels, ivs, targets, keepHidden);
    }

    private record Label(String node, String position) {}

    /** Runs the batch, then the targets' probabilities and logits at the last position of every run. */
    private static SweepResult measure(PatchEngine engine, List<int[]> inputs, List<Label> labels, List<Intervention> ivs,
                                       int[] targets, boolean keepHidden) {
        int V = engine.model().config().vocabSize(), E = engine.model().config().nEmbd();
        if (targets == null) throw new IllegalArgumentException("targets is null");
        for (int i = 0; i < targets.length; i++)
            if (targets[i] < 0 || targets[i] >= V)
                throw new IllegalArgumentException("targets[" + i + "] = " + targets[i] + " is outside the vocabulary [0, " + V + ")");
        // Only the last row of each result is read (unless the hidden states are kept), so the final layer computes
        // only that row; with the cache off, as everything else, not (the unoptimised path).
        boolean lastRow = !keepHidden && engine.cache().enabled();
        int T = inputs.getFirst().length;
        List<PatchResult> results = engine.runAll(inputs, ivs, RunOptions.DEFAULT.withHiddenFrom(lastRow ? Math.max(0, T - 1) : 0));

        // The last rows, the LM head and the metrics once per distinct last row (equal content keys mean equal rows, so
        // this also covers runs equal to another; with the cache off, once per run: the unoptimised path).
        boolean share = engine.cache().enabled();
        double[][] probs = new double[results.size()][], logits = new double[results.size()][];
        for (int c0 = 0; c0 < results.size(); c0 += LOGIT_ROWS) {
            int n = Math.min(LOGIT_ROWS, results.size() - c0), base = c0;
            float[] last = new float[n * E];                                  // [n, E]: last position of each
            for (int j = 0; j < n; j++) {
                PatchResult r = results.get(base + j);
                System.arraycopy(r.hidden(), (r.T() - 1) * E, last, j * E, E);
            }
            DistinctRows d = share ? DistinctRows.of(last, n, E) : DistinctRows.each(n);
            int U = d.count();
            float[] lg = engine.model().logits(d.compact(last, E), 0, U);     // [U, V]
            double[][] pu = new double[U][], lu = new double[U][];
            Parallel.forRange(U, 1, (s, e) -> {
                for (int u = s; u < e; u++) {
                    pu[u] = Metrics.probabilities(lg, u, V, targets);
                    lu[u] = Metrics.logits(lg, u, V, targets);
                }
            });
            for (int j = 0; j < n; j++) {
                probs[base + j] = pu[d.of(j)];
                logits[base + j] = lu[d.of(j)];
            }
        }
        // The seed's path strings and cache-entry counts: pure functions of each run's provenance, in parallel.
        String[] paths = new String[results.size()];
        int[] seedEntries = new int[results.size()];
        Parallel.forRange(results.size(), 8, (s, e) -> {
            for (int i = s; i < e; i++) {
                Provenance.SeedView seed = results.get(i).provenance().seedView();   // one walk of the tree for both
                paths[i] = seed.path();
                seedEntries[i] = seed.cacheEntries();
            }
        });
        List<SweepResult.Run> runs = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            PatchResult r = results.get(i);
            Label label = labels.get(i);
            runs.add(new SweepResult.Run(label.node(), label.position(), probs[i].clone(), logits[i].clone(),
                    paths[i], seedEntries[i], r.stats(), keepHidden ? r.hidden() : null));
        }
        return new SweepResult(targets, runs, engine.cache().stats());
    }
}
