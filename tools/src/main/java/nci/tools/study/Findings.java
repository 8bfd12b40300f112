package nci.tools.study;

import java.util.ArrayList;
import java.util.List;
import nci.tools.study.StudyResult.ExperimentResult;
import nci.tools.study.StudyResult.Measurement;
import nci.tools.study.StudyResult.PairResult;

/**
 * The headline of an experiment, computed from its results (never written in advance): which components carry
 * the behaviour, read on the study's first series (e.g. p(clean target)).
 *
 * <p>The counterfactual run moves the metric from {@code clean} to {@code counterfactual}; that change is the
 * <em>total effect</em>. A run's effect is {@code patched - clean}, and its share of the total is
 * {@code fraction = effect / total}. A component is a finding when it carries more than {@link #THRESHOLD} of
 * the total in the total's direction ({@code fraction > 0.5}); one that moves the metric the other way by more than
 * that ({@code fraction < -0.5}) is listed apart, as opposing it (it does not carry the behaviour, it works against
 * it). When the total is negligible (a probability changing by {@link #MIN_TOTAL_PROB} or less, or any metric by 1e-9
 * or less) nothing can be attributed and there are no findings.
 */
public final class Findings {
    private Findings() {}

    public static final double THRESHOLD = 0.5;
    public static final double MIN_TOTAL_PROB = 0.01;

    /** One component that carries the behaviour. */
    public record Finding(String node, String position, double patched, double effect, double fraction) {
        /** {@code a1@5} for a node at a position, the node's name otherwise. */
        public String component() {
            return position.isEmpty() || position.equals("all") ? node : node + "@" + position;
        }
    }

    /**
     * The summary of one experiment on one pair, on series {@code series}.
     *
     * @param measurable whether the total effect is large enough to attribute
     * @param strongest  the run with the largest |effect| (null when there are no runs)
     */
    public record Summary(int pair, int experiment, int series, double clean, double counterfactual, boolean measurable,
                          List<Finding> findings, List<Finding> opposing, Finding strongest) {
        public Summary {
            findings = List.copyOf(findings);
            opposing = List.copyOf(opposing);
        }

        public double total() { return counterfactual - clean; }

        public List<String> components() { return findings.stream().map(Finding::component).toList(); }
    }

    public static Summary summarise(StudyResult r, PairResult p, ExperimentResult e, int series) {
        double clean = p.clean().value(series), cf = p.counterfactual().value(series), total = cf - clean;
        boolean prob = r.series().get(series).isProbability();
        boolean measurable = Math.abs(total) > (prob ? MIN_TOTAL_PROB : 1e-9);
        List<Finding> found = new ArrayList<>(), opposing = new ArrayList<>();
        Finding strongest = null;
        for (Measurement m : e.runs()) {
            double v = m.value(series), effect = v - clean;
            Finding f = new Finding(m.node(), m.position(), v, effect, total == 0 ? Double.NaN : effect / total);
            if (strongest == null || Math.abs(effect) > Math.abs(strongest.effect())) strongest = f;
            if (measurable && f.fraction() > THRESHOLD) found.add(f);
            if (measurable && f.fraction() < -THRESHOLD) opposing.add(f);
        }
        // Strongest first; equal effects in name order (a0@4 before a1@5), so the listing is stable.
        var order = java.util.Comparator.comparingDouble((Finding f) -> -Math.abs(f.effect())).thenComparing(Finding::component);
        found.sort(order);
        opposing.sort(order);
        return new Summary(p.index(), e.index(), series, clean, cf, measurable, found, opposing, strongest);
    }

    /** Every (pair, experiment) summary on the first series, pairs outer. */
    public static List<Summary> all(StudyResult r) {
        List<Summary> out = new ArrayList<>();
        for (PairResult p : r.pairs())
            for (ExperimentResult e : p.experiments()) out.add(summarise(r, p, e, 0));
        return out;
    }

    /** One sentence for the terminal and the report. */
    public static String sentence(StudyResult r, Summary s) {
        Study.Pair pair = r.pairs().get(s.pair()).pair();
        String what = r.series().get(s.series()).label(pair);
        String exp = r.study().experimentName(s.experiment());
        if (!r.pairs().get(s.pair()).experiments().get(s.experiment()).isSweep() && s.strongest() != null) {
            Finding f = s.strongest();
            return exp + ": moves " + what + " from " + Strings.prob(s.clean()) + " to " + Strings.prob(f.patched()) + " ("
                    + Strings.signed(f.effect()) + (s.measurable() ? ", " + pct(f.fraction()) + " of the counterfactual's "
                    + Strings.signed(s.total()) : "; the whole counterfactual moves it only " + Strings.signed(s.total())) + ")";
        }
        if (!s.measurable())
            return exp + ": the counterfactual moves " + what + " only from " + Strings.prob(s.clean()) + " to "
                    + Strings.prob(s.counterfactual()) + ", too little to attribute"
                    + (s.strongest() == null ? "" : " (largest effect: " + s.strongest().component() + ", "
                    + Strings.signed(s.strongest().effect()) + ")");
        String against = s.opposing().isEmpty() ? "" : "; against it: " + listed(s, s.opposing());
        if (s.findings().isEmpty())
            return exp + ": no single component moves " + what + " by more than " + pct(THRESHOLD) + " of the counterfactual's "
                    + Strings.signed(s.total()) + (s.strongest() == null ? "" : " (largest: " + s.strongest().component() + ", "
                    + Strings.signed(s.strongest().effect()) + ")") + against;
        return exp + ": " + what + " is carried by " + listed(s, s.findings()) + "; the whole counterfactual moves it "
                + Strings.signed(s.total()) + against;
    }

    /** {@code a1@5 (1.0000 -> 0.2000, -0.8000, 80%), ...} */
    private static String listed(Summary s, List<Finding> found) {
        List<String> parts = new ArrayList<>();
        for (Finding f : found)
            parts.add(f.component() + " (" + Strings.prob(s.clean()) + " -> " + Strings.prob(f.patched()) + ", "
                    + Strings.signed(f.effect()) + ", " + pct(f.fraction()) + ")");
        return String.join(", ", parts);
    }

    static String pct(double fraction) {
        return Math.round(fraction * 100) + "%";
    }
}
