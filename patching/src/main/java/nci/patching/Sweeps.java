package nci.patching;

import java.util.ArrayList;
import java.util.List;
import nci.gpt2.Gpt2Config;

/**
 * The standard sweeps, each a sequence of experiments on one engine, sharing its cache (the clean
 * computations are done once; with row keys, a patch before the first token where the inputs differ
 * is recognised as a no-op and served from the cache).
 */
public final class Sweeps {
    private Sweeps() {}

    /**
     * The seed's {@code intervene_node_and_pos}: node {@code none} (a plain forward of the clean input, reported
     * at position 0), then for every node f{L-1}, a{L-1}, ..., f0, a0 and every position P, that node at P reads
     * the counterfactual (input 1), all else the clean input (input 0); see
     * {@link Interventions#nodeAtPosition}. Records the targets' probabilities and logits at the last position.
     */
    public static SweepResult nodeAndPosition(PatchEngine engine, int[] clean, int[] counterfactual, int[] targets, boolean keepHidden) {
        Gpt2Config c = engine.model().config();
        List<int[]> inputs = List.of(clean, counterfactual);
        int T = clean.length;
        List<SweepResult.Run> runs = new ArrayList<>();
        runs.add(measure(engine, inputs, "none", "0", Interventions.plain(0), targets, keepHidden));
        for (int l = c.nLayer() - 1; l >= 0; l--) {
            for (Node node : List.of(new Node.Mlp(l), new Node.Attn(l))) {
                for (int p = 0; p < T; p++)
                    runs.add(measure(engine, inputs, node.name(), Integer.toString(p),
                            Interventions.nodeAtPosition(node, p, 1, 0), targets, keepHidden));
            }
        }
        return new SweepResult(targets, runs, engine.cache().stats());
    }

    /**
     * Per-head sweep: for every layer (0 up) and head, that head reads the counterfactual (input 1) at every
     * position, all else clean: rules {@code aN: true}, {@code aN.head: heads}, {@code which: aN.headH -> 1,
     * default 0}. Reported with node {@code aN.headH} and position {@code all}.
     */
    public static SweepResult heads(PatchEngine engine, int[] clean, int[] counterfactual, int[] targets, boolean keepHidden) {
        Gpt2Config c = engine.model().config();
        List<int[]> inputs = List.of(clean, counterfactual);
        List<SweepResult.Run> runs = new ArrayList<>();
        for (int l = 0; l < c.nLayer(); l++)
            for (int h = 0; h < c.nHead(); h++)
                runs.add(measure(engine, inputs, new Node.AttnHead(l, h).name(), "all",
                        Interventions.head(l, h, 1, 0), targets, keepHidden));
        return new SweepResult(targets, runs, engine.cache().stats());
    }

    private static SweepResult.Run measure(PatchEngine engine, List<int[]> inputs, String node, String pos,
                                           Intervention iv, int[] targets, boolean keepHidden) {
        PatchResult r = engine.run(inputs, iv, RunOptions.DEFAULT);
        int V = engine.model().config().vocabSize(), E = r.nEmbd();
        float[] last = engine.model().logits(r.hidden(), (r.T() - 1) * E, 1);     // [1, V]
        return new SweepResult.Run(node, pos, Metrics.probabilities(last, 0, V, targets), Metrics.logits(last, 0, V, targets),
                r.provenance().render(), r.provenance().seedCacheEntries(), r.stats(), keepHidden ? r.hidden() : null);
    }
}
