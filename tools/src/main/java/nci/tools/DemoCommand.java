package nci.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import nci.tools.study.Findings;
import nci.tools.study.ModelSession;
import nci.tools.study.OutputFiles;
import nci.tools.study.Strings;
import nci.tools.study.Study;
import nci.tools.study.StudyFile;
import nci.tools.study.StudyResult;
import nci.tools.study.StudyRunner;
import nci.tools.study.StudyWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nci demo [--model M] [--out DIR]}: a complete path-patching study, written to {@code ./nci-demo/}.
 *
 * <p>On the embedded induction model (the default): the node × position and per-head sweeps on two pairs, the
 * mat/rug pair (the copied token differs: the induction head's value) and the "on a mat" pair (the token before
 * it differs: the previous-token head, and the induction head's key). On any other GPT-2 model: the original
 * project's "The capital of Spain is" / "... Italy is" experiment with targets " Madrid", " Rome". The
 * headline (which nodes and heads carry the behaviour) is computed from the results by {@link Findings}.
 */
@Command(name = "demo", description = "A complete path-patching study on the embedded induction model (or the capital-city experiment on another model).")
final class DemoCommand implements Callable<Integer> {

    @Mixin
    PackedCacheOption packedCache = new PackedCacheOption();

    @Option(names = "--model", paramLabel = "MODEL", description = "A model folder, a hub cache folder, or a hub name such as gpt2 or org/name@revision (default: the embedded induction model).")
    String model;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "nci-demo", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    static final String MAT = "The cat sat on the mat. The cat sat on the";
    static final String RUG = "The cat sat on the rug. The cat sat on the";
    static final String A_MAT = "The cat sat on a mat. The cat sat on the";
    static final String SPAIN = "The capital of Spain is";
    static final String ITALY = "The capital of Italy is";

    /** The demo as an experiment file (also written to the output folder as experiment.json). */
    static ObjectNode experiment(boolean induction, String model) {
        ObjectNode o = StudyFile.JSON.createObjectNode();
        ArrayNode pairs;
        if (induction) {
            o.put("description", "Path patching on the induction model: which heads copy the token after the repeated one");
            pairs = o.putArray("pairs");
            ObjectNode p1 = pairs.addObject().put("name", "mat/rug").put("clean", MAT).put("counterfactual", RUG);
            p1.putArray("targets").add(" mat").add(" rug");
            ObjectNode p2 = pairs.addObject().put("name", "the/a").put("clean", MAT).put("counterfactual", A_MAT);
            p2.putArray("targets").add(" mat").add(" a");
        } else {
            o.put("description", "Path patching: The capital of Spain is / The capital of Italy is");
            if (model != null) o.put("model", model);
            pairs = o.putArray("pairs");
            ObjectNode p = pairs.addObject().put("name", "Spain/Italy").put("clean", SPAIN).put("counterfactual", ITALY);
            p.putArray("targets").add(" Madrid").add(" Rome");
        }
        o.putArray("metrics").add("prob");
        ArrayNode ex = o.putArray("experiments");
        ex.addObject().put("type", "node_position").put("name", "node x position");
        ex.addObject().put("type", "heads").put("name", "heads");
        return o;
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Models.resolve(model);
        boolean induction = model == null || dir.toAbsolutePath().normalize().getFileName().toString().equals(Models.DEFAULT);
        try (ModelSession s = ModelSession.open(dir, packedCache.on())) {
            // A folder is recorded absolute, so that experiment.json reproduces the demo from anywhere.
            String recorded = model != null && java.nio.file.Files.isDirectory(Path.of(model)) ? dir.toAbsolutePath().normalize().toString() : model;
            ObjectNode spec = experiment(induction, recorded);
            // The demo's texts need this model's tokenizer; errors name the text (the user wrote no 'pairs').
            for (String text : induction ? List.of(MAT, RUG, A_MAT) : List.of(SPAIN, ITALY))
                s.encode(text, "the demo's prompt " + Strings.quote(text));
            for (String target : induction ? List.of(" mat", " rug", " a") : List.of(" Madrid", " Rome"))
                s.singleToken(target, "the demo's target " + Strings.quote(target));
            Study study;
            try {
                study = StudyFile.parse(spec, Path.of("").toAbsolutePath(), s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the demo's experiment does not fit " + s.dir() + ": " + e.getMessage(), e);
            }
            OutputFiles.folder(out, "--out");
            long t0 = System.nanoTime();
            s.engine();
            long loadMs = s.loadMillis() + (System.nanoTime() - t0) / 1_000_000;
            var c = s.config();
            System.out.println("nci demo: path patching on " + s.dir().getFileName() + " (" + c.nLayer() + " layers x " + c.nHead()
                    + " heads, n_embd " + c.nEmbd() + ")");
            StudyResult r = StudyRunner.run(study, s, System.err);
            StudyWriter.Output o = StudyWriter.write(r, s, Main.VERSION, loadMs, out);
            for (StudyResult.PairResult p : r.pairs()) {
                Study.Pair pair = p.pair();
                System.out.println();
                System.out.println("[" + study.pairName(p.index()) + "] clean " + Strings.quote(pair.clean().text())
                        + " vs counterfactual " + Strings.quote(pair.counterfactual().text()));
                StringBuilder base = new StringBuilder("  unpatched:");
                for (int i = 0; i < r.series().size(); i++)
                    base.append(' ').append(r.series().get(i).label(pair)).append(" = ").append(Strings.prob(p.clean().value(i)))
                            .append(" clean, ").append(Strings.prob(p.counterfactual().value(i))).append(" counterfactual;");
                base.setLength(base.length() - 1);
                System.out.println(base);
                for (Findings.Summary sum : o.summaries())
                    if (sum.pair() == p.index()) System.out.println("  " + Findings.sentence(r, sum));
            }
            System.out.println();
            System.out.println(r.pairs().stream().mapToInt(p -> 2 + p.experiments().stream().mapToInt(x -> x.runs().size()).sum()).sum()
                    + " runs in " + r.runMillis() + " ms (model load " + loadMs + " ms)");
            System.out.println("report: " + o.report().toAbsolutePath().normalize());
        }
        return 0;
    }
}
