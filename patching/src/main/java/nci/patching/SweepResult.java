package nci.patching;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of a sweep ({@link Sweeps}): one {@link Run} per (node, position), in sweep order, and the
 * shared cache's statistics after it.
 */
public record SweepResult(int[] targets, List<Run> runs, ActivationCache.Stats cacheStats) {

    public SweepResult {
        targets = targets.clone();
        runs = List.copyOf(runs);
    }

    /**
     * One patched run. {@code node} is {@code none}, {@code aN}, {@code fN} or {@code aN.headH};
     * {@code position} a position index or {@code all}. {@code probs}/{@code logits} are of the target tokens
     * at the last position. {@code hidden} is [T, E] if the sweep kept it, else null.
     */
    public record Run(String node, String position, double[] probs, double[] logits, String path,
                      int seedCacheEntries, PatchResult.RunStats stats, float[] hidden) {}

    /** One row of the seed's data frame. */
    public record Row(String node, String position, int tokenId, double prob, double logit) {}

    /** Rows in the seed's order: per run, per target. */
    public List<Row> rows() {
        List<Row> out = new ArrayList<>();
        for (Run r : runs)
            for (int i = 0; i < targets.length; i++)
                out.add(new Row(r.node(), r.position(), targets[i], r.probs()[i], r.logits()[i]));
        return out;
    }
}
