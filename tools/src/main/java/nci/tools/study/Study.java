package nci.tools.study;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import nci.patching.BranchRules;
import nci.patching.Interventions;
import nci.patching.Node;
import nci.patching.WhichRules;

/**
 * A whole path-patching study, validated against one model: prompt pairs, experiments and metrics, as
 * {@code nci run} reads it from an experiment file ({@link StudyFile}) and {@code nci demo} / {@code nci sweep}
 * build it in code. Every record here is already checked (token ids in the vocabulary, equal lengths within a
 * pair, nodes and positions in range), so running it cannot fail on bad input.
 *
 * <p>Inputs of every experiment: input 0 is the pair's clean prompt, input 1 its counterfactual.
 *
 * @param description free text, may be ""
 * @param model       the {@code model} field as written (null: the default model)
 * @param pairs       at least one pair; every pair has the same number of targets
 * @param experiments at least one
 * @param metrics     at least one; each yields one or more {@linkplain #series() series}
 * @param out         the {@code out} field as written (null: not given)
 * @param source      the experiment as JSON, as experiment.json and results.json's {@code spec} record it
 *                    ({@link StudyFile#portable}: runnable again from anywhere)
 */
public record Study(String description, String model, List<Pair> pairs, List<Experiment> experiments,
                    List<Metric> metrics, String out, JsonNode source) {

    public Study {
        description = description == null ? "" : description;
        pairs = List.copyOf(pairs);
        experiments = List.copyOf(experiments);
        metrics = List.copyOf(metrics);
        if (pairs.isEmpty()) throw new IllegalArgumentException("study: no prompt pairs");
        if (experiments.isEmpty()) throw new IllegalArgumentException("study: no experiments");
        if (metrics.isEmpty()) throw new IllegalArgumentException("study: no metrics");
    }

    /** One prompt given as text (then {@code text} is non-null) or as token ids. */
    public record Input(String text, int[] ids) {
        public Input {
            if (ids == null || ids.length == 0) throw new IllegalArgumentException("input has no tokens");
            ids = ids.clone();
        }

        @Override
        public int[] ids() { return ids.clone(); }

        public int length() { return ids.length; }
    }

    /** A target token: its id and its text (as written, or decoded when given as an id). */
    public record Target(String text, int id) {}

    /** A clean / counterfactual pair of equal token length, with the tokens whose probabilities are read. */
    public record Pair(String name, Input clean, Input counterfactual, List<Target> targets) {
        public Pair {
            if (clean.length() != counterfactual.length())
                throw new IllegalArgumentException("pair " + name + ": clean has " + clean.length() + " tokens, counterfactual "
                        + counterfactual.length());
            targets = List.copyOf(targets);
        }

        public int length() { return clean.length(); }

        public List<int[]> inputs() { return List.of(clean.ids(), counterfactual.ids()); }
    }

    /** What one experiment patches. {@code name} may be null (then a name is derived from its index and type). */
    public sealed interface Experiment {
        String name();

        /** The {@code type} field's value. */
        String type();

        /** One experiment given by branch / which rules (the fixtures' format). */
        record Patch(String name, BranchRules branch, WhichRules which) implements Experiment {
            public String type() { return "patch"; }
        }

        /**
         * The seed's node × position sweep: each node ({@code aN} or {@code fN}) at each position reads the
         * counterfactual, everything else the clean prompt. {@code positions} null: every position.
         */
        record NodePosition(String name, List<Node> nodes, int[] positions) implements Experiment {
            public NodePosition {
                nodes = List.copyOf(nodes);
                positions = positions == null ? null : positions.clone();
            }
            public String type() { return "node_position"; }
        }

        /** Each head of each listed layer (all heads, q, k and v, every position) reads the counterfactual. */
        record Heads(String name, int[] layers) implements Experiment {
            public Heads { layers = layers.clone(); }
            public String type() { return "heads"; }
        }

        /** Sender → receiver path patching (Wang et al.): only the direct path reads the counterfactual. */
        record PathPatch(String name, Interventions.Sender sender, Interventions.Receiver receiver,
                         String senderName, String receiverName) implements Experiment {
            public String type() { return "path"; }
        }
    }

    /**
     * A read-out of a run at some positions: {@code positions} null means the last position; negative values
     * count from the end (-1 is the last). Values over several positions are averaged.
     */
    public sealed interface Metric {
        int[] positions();

        String type();

        /** softmax probability of each target token. */
        record Prob(int[] positions) implements Metric {
            public String type() { return "prob"; }
        }

        /** The raw logit of each target token. */
        record Logit(int[] positions) implements Metric {
            public String type() { return "logit"; }
        }

        /** logit(a) − logit(b); null tokens: the pair's first two targets. */
        record LogitDiff(int[] positions, Target a, Target b) implements Metric {
            public String type() { return "logit_diff"; }
        }

        /** KL(clean ‖ patched) of the next-token distributions, in nats. */
        record Kl(int[] positions) implements Metric {
            public String type() { return "kl"; }
        }
    }

    /**
     * One number per run: a metric, for prob/logit the index of the target it reads (else -1).
     */
    public record Series(int metric, Metric def, int target) {
        /** A label for pair {@code p}, e.g. {@code p(" mat")}, {@code logit(" mat") - logit(" rug")}, {@code KL(clean||patched)}. */
        public String label(Pair p) {
            String at = def.positions() == null ? "" : " @" + positionsText(def.positions());
            return switch (def) {
                case Metric.Prob m -> "p(" + Strings.quote(p.targets().get(target).text()) + ")" + at;
                case Metric.Logit m -> "logit(" + Strings.quote(p.targets().get(target).text()) + ")" + at;
                case Metric.LogitDiff m -> "logit(" + Strings.quote(diffA(m, p).text()) + ") - logit("
                        + Strings.quote(diffB(m, p).text()) + ")" + at;
                case Metric.Kl m -> "KL(clean||patched)" + at;
            };
        }

        /** A short slug for file names, e.g. {@code p-mat}, {@code logit_diff}, {@code kl}. */
        public String slug(Pair p) {
            return switch (def) {
                case Metric.Prob m -> "p-" + Slug.of(p.targets().get(target).text());
                case Metric.Logit m -> "logit-" + Slug.of(p.targets().get(target).text());
                case Metric.LogitDiff m -> "logit_diff";
                case Metric.Kl m -> "kl";
            };
        }

        /**
         * A label for several pairs (a mean over them): their {@link #label(Pair)} when they all share it, else one by
         * target index, e.g. {@code p(target 0)}, when the pairs' targets differ.
         */
        public String label(List<Pair> ps) {
            if (ps.stream().map(this::label).distinct().count() == 1) return label(ps.getFirst());
            String at = def.positions() == null ? "" : " @" + positionsText(def.positions());
            return switch (def) {
                case Metric.Prob m -> "p(target " + target + ")" + at;
                case Metric.Logit m -> "logit(target " + target + ")" + at;
                case Metric.LogitDiff m -> "logit(target 0) - logit(target 1)" + at;   // explicit tokens never differ
                case Metric.Kl m -> "KL(clean||patched)" + at;
            };
        }

        /** {@link #slug(Pair)} for several pairs: theirs when they all share it, else by target index, e.g. {@code p-target0}. */
        public String slug(List<Pair> ps) {
            if (ps.stream().map(this::slug).distinct().count() == 1) return slug(ps.getFirst());
            return switch (def) {
                case Metric.Prob m -> "p-target" + target;
                case Metric.Logit m -> "logit-target" + target;
                case Metric.LogitDiff m -> "logit_diff";
                case Metric.Kl m -> "kl";
            };
        }

        /** For prob and logit, the target token; else null. */
        public Target token(Pair p) { return target >= 0 ? p.targets().get(target) : null; }

        public boolean isProbability() { return def instanceof Metric.Prob; }
    }

    static Target diffA(Metric.LogitDiff m, Pair p) { return m.a() != null ? m.a() : p.targets().get(0); }

    static Target diffB(Metric.LogitDiff m, Pair p) { return m.b() != null ? m.b() : p.targets().get(1); }

    static String positionsText(int[] positions) {
        return Arrays.toString(positions).replace(" ", "").replace("[", "").replace("]", "");
    }

    /** Every series, in metric order (a prob metric gives one per target). */
    public List<Series> series() {
        List<Series> out = new ArrayList<>();
        int nTargets = pairs.getFirst().targets().size();
        for (int i = 0; i < metrics.size(); i++) {
            Metric m = metrics.get(i);
            if (m instanceof Metric.Prob || m instanceof Metric.Logit) {
                for (int t = 0; t < nTargets; t++) out.add(new Series(i, m, t));
            } else {
                out.add(new Series(i, m, -1));
            }
        }
        return out;
    }

    /** The experiment's name, or {@code e<index>-<type>}. */
    public String experimentName(int index) {
        Experiment e = experiments.get(index);
        return e.name() != null ? e.name() : "e" + index + "-" + e.type();
    }

    /** The pair's name, or {@code pair<index>}. */
    public String pairName(int index) {
        Pair p = pairs.get(index);
        return p.name() != null ? p.name() : "pair" + index;
    }
}
