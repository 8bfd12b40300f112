package nci.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import nci.gpt2.io.SafeTensorsWriter;
import nci.patching.Metrics;
import nci.patching.PatchEngine;
import nci.patching.PatchResult;
import nci.patching.PatchSpec;
import nci.patching.RunOptions;
import nci.tools.study.JsonInput;
import nci.tools.study.ModelSession;
import nci.tools.study.OutputFiles;
import nci.tools.study.StudyFile;
import nci.tools.study.Strings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nci patch --model DIR --spec SPEC.json --out OUT.(json|safetensors) [--dot GRAPH.dot]}: one experiment.
 *
 * <p>SPEC is a {@link PatchSpec} ({@code inputs}, {@code branch}, {@code which}, optional {@code targets}); it is
 * validated against the model before anything is computed. OUT as JSON: {@code last_hidden_state} [T][C],
 * {@code targets} (token → probability at the last position), {@code cache} ({@code entries}, {@code hits},
 * {@code misses}, {@code bytes}), {@code graph} (the provenance rendered as the fixtures' {@code path}). OUT as
 * safetensors: {@code last_hidden_state} [1,T,C] and {@code logits_last} [V], with graph, targets and cache as JSON
 * strings in {@code __metadata__}.
 */
@Command(name = "patch", description = "Run one path-patching experiment described by a JSON spec.")
final class PatchCommand implements Callable<Integer> {

    @Mixin
    PackedCacheOption packedCache = new PackedCacheOption();

    @Option(names = "--model", paramLabel = "MODEL", description = "A model folder, a hub cache folder, or a hub name such as gpt2 or org/name@revision (default: the embedded model).")
    String model;

    @Option(names = "--spec", paramLabel = "SPEC.json", required = true, description = "The experiment: inputs, branch, which, targets.")
    Path spec;

    @Option(names = "--out", paramLabel = "OUT", required = true, description = "Output file: .json or .safetensors.")
    Path out;

    @Option(names = "--dot", paramLabel = "GRAPH.dot", description = "Also write the computation graph as Graphviz DOT.")
    Path dot;

    @Override
    public Integer call() throws Exception {
        String name = out.getFileName() == null ? "" : out.getFileName().toString();
        boolean safetensors = name.endsWith(".safetensors");
        if (!safetensors && !name.endsWith(".json"))
            throw new IllegalArgumentException("--out " + out + ": expected a .json or .safetensors file name");
        JsonNode json = JsonInput.read(spec);
        try (ModelSession s = ModelSession.open(Models.resolve(model), packedCache.on())) {
            PatchSpec ps;
            try {
                ps = PatchSpec.parse(json, s.hasTokenizer() ? s::encode : null, s.config());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(spec.getFileName() + ": " + e.getMessage(), e);
            }
            // The outputs' folders are made ready (and checked) now, before any computation.
            if (dot != null && sameFile(out, dot)) throw new IllegalArgumentException("--dot " + dot + ": the same file as --out");
            for (Path p : dot == null ? List.of(out) : List.of(out, dot))
                if (sameFile(p, spec))
                    throw new IllegalArgumentException((p == out ? "--out " : "--dot ") + p + ": the same file as --spec (it would be overwritten)");
            OutputFiles.file(out, "--out");
            if (dot != null) OutputFiles.file(dot, "--dot");
            PatchEngine engine = s.engine();
            PatchResult r = engine.run(ps.inputs(), ps.intervention(), RunOptions.DEFAULT);
            int T = r.T(), E = r.nEmbd(), V = s.config().vocabSize();
            float[] last = s.model().logits(r.hidden(), (T - 1) * E, 1);          // [V]
            int[] ids = ps.targetIds();
            double[] probs = ids.length == 0 ? new double[0] : Metrics.probabilities(last, 0, V, ids);

            List<String> names = targetNames(ps.targets(), ids, s);
            ObjectNode targets = StudyFile.JSON.createObjectNode();
            for (int i = 0; i < ids.length; i++) targets.put(names.get(i), probs[i]);
            var st = engine.cache().stats();
            ObjectNode cache = StudyFile.JSON.createObjectNode().put("entries", st.entries()).put("hits", st.hits())
                    .put("misses", st.misses()).put("bytes", st.bytes());
            String graph = r.provenance().render();
            if (safetensors) {
                SafeTensorsWriter w = new SafeTensorsWriter()
                        .putF32("last_hidden_state", new long[] {1, T, E}, r.hidden())
                        .putF32("logits_last", new long[] {V}, last)
                        .putMetadata("graph", graph)
                        .putMetadata("targets", targets.toString())
                        .putMetadata("cache", cache.toString())
                        .putMetadata("model_digest", "sha256:" + engine.digest().hex())
                        .putMetadata("nci_version", Main.VERSION);
                try {
                    w.write(out);                              // through a temporary file, deleted on failure
                } catch (IOException e) {
                    throw OutputFiles.failed(out, e);
                }
            } else {
                ObjectNode o = StudyFile.JSON.createObjectNode();
                o.put("nci_version", Main.VERSION);
                o.put("model", s.dir().toAbsolutePath().normalize().toString());
                o.put("model_digest", "sha256:" + engine.digest().hex());
                o.put("T", T);
                ArrayNode hs = o.putArray("last_hidden_state");
                float[] h = r.hidden();
                for (int t = 0; t < T; t++) {
                    ArrayNode row = hs.addArray();
                    for (int e = 0; e < E; e++) row.add(h[t * E + e]);
                }
                o.set("targets", targets);
                o.set("cache", cache);
                o.put("graph", graph);
                OutputFiles.write(out, StudyFile.JSON.writeValueAsString(o) + "\n");
            }
            if (dot != null) OutputFiles.write(dot, r.provenance().toDot());

            System.out.println("graph: " + (graph.length() > 400 ? graph.substring(0, 400) + "... (" + graph.length() + " chars)" : graph));
            for (int i = 0; i < ids.length; i++)
                System.out.println("p(" + Strings.quote(names.get(i)) + ") = " + Strings.prob(probs[i]));
            System.out.println("wrote " + out + (dot != null ? " and " + dot : ""));
        }
        return 0;
    }

    /** Whether two paths name the same file (an existing one through links, else by their absolute form). */
    private static boolean sameFile(Path a, Path b) throws IOException {
        if (Files.exists(a) && Files.exists(b)) return Files.isSameFile(a, b);
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /**
     * The targets' names, the keys of the output's {@code targets}: as given, or a token id's text. Distinct ids can
     * decode to the same text (a byte that is only part of a UTF-8 character decodes to U+FFFD, whichever byte it is),
     * and one key would then hide the other's probability: such names get their id, as {@code "\uFFFD (id 94)"}.
     */
    static List<String> targetNames(List<String> given, int[] ids, ModelSession s) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) names.add(given.get(i) != null ? given.get(i) : s.tokenText(ids[i]));
        Map<String, Long> counts = names.stream().collect(Collectors.groupingBy(n -> n, Collectors.counting()));
        for (int i = 0; i < ids.length; i++)
            if (counts.get(names.get(i)) > 1) names.set(i, names.get(i) + " (id " + ids[i] + ")");
        return names;
    }

}
