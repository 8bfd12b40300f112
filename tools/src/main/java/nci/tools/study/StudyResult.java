package nci.tools.study;

import java.util.List;
import nci.patching.ActivationCache;
import nci.patching.PatchResult;
import nci.patching.Provenance;

/**
 * What a study computed: per pair, the two unpatched runs (clean, counterfactual) and every experiment's runs,
 * each with one value per {@link Study.Series}.
 *
 * @param series      what {@link Measurement#values()} hold, in order
 * @param runMillis   wall time of the experiments (model loading excluded)
 * @param cache       the shared activation cache's counters after the study
 * @param modelDigest hex SHA-256 of the model's content ({@link nci.patching.ModelDigest})
 */
public record StudyResult(Study study, List<Study.Series> series, List<PairResult> pairs, long runMillis,
                          ActivationCache.Stats cache, String modelDigest) {

    public StudyResult {
        series = List.copyOf(series);
        pairs = List.copyOf(pairs);
    }

    /** One pair's results. */
    public record PairResult(int index, Study.Pair pair, Measurement clean, Measurement counterfactual,
                             List<ExperimentResult> experiments) {
        public PairResult { experiments = List.copyOf(experiments); }
    }

    /**
     * One experiment on one pair. For sweeps, {@code rowKeys} × {@code colKeys} is the heatmap grid
     * (node_position: node names × positions; heads: layers {@code aN} × head indices) and every run has
     * its cell; for single experiments (patch, path) both are empty and there is one run.
     */
    public record ExperimentResult(int index, Study.Experiment experiment, List<Measurement> runs,
                                   List<String> rowKeys, List<String> colKeys) {
        public ExperimentResult {
            runs = List.copyOf(runs);
            rowKeys = List.copyOf(rowKeys);
            colKeys = List.copyOf(colKeys);
        }

        public boolean isSweep() { return !rowKeys.isEmpty(); }
    }

    /**
     * One patched (or unpatched) run: {@code node} is {@code none} (clean), {@code counterfactual}, {@code aN},
     * {@code fN}, {@code aN.headH}, or the experiment's name for a single experiment; {@code position} a position
     * index, {@code all}, or "" for single experiments. {@code row}/{@code col} its heatmap cell (-1 if none).
     * {@code provenance} is kept for single experiments only (sweeps would hold thousands of trees).
     */
    public record Measurement(String node, String position, int row, int col, double[] values,
                              Provenance provenance, PatchResult.RunStats stats) {
        public Measurement { values = values.clone(); }

        @Override
        public double[] values() { return values.clone(); }

        public double value(int series) { return values[series]; }
    }
}
