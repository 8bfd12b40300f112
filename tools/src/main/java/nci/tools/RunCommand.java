package nci.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import nci.tools.study.Findings;
import nci.tools.study.JsonInput;
import nci.tools.study.ModelSession;
import nci.tools.study.OutputFiles;
import nci.tools.study.Study;
import nci.tools.study.StudyFile;
import nci.tools.study.StudyResult;
import nci.tools.study.StudyRunner;
import nci.tools.study.StudyWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nci run EXPERIMENT.json [--out DIR]}: a whole study from one file (format: docs/experiment-format.md).
 * The file is validated completely against the model before any experiment runs; errors name the field.
 */
@Command(name = "run", description = "Run a whole path-patching study described in one JSON file (see docs/experiment-format.md).")
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "EXPERIMENT.json", description = "The experiment file.")
    Path file;

    @Mixin
    PackedCacheOption packedCache = new PackedCacheOption();

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (overrides the file's 'out').")
    Path out;

    @Override
    public Integer call() throws Exception {
        JsonNode json = JsonInput.read(file);
        Path base = file.toAbsolutePath().getParent();
        String modelField;
        try {
            modelField = StudyFile.modelField(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file.getFileName() + ": " + e.getMessage(), e);
        }
        // A relative model folder is read relative to the experiment file (never the working directory).
        Path modelDir;
        try {
            modelDir = Models.resolve(modelField, base);
        } catch (IOException | IllegalArgumentException e) {
            if (modelField == null) throw e;
            throw new IllegalArgumentException(file.getFileName() + ": model: " + e.getMessage(), e);
        }
        try (ModelSession s = ModelSession.open(modelDir, packedCache.on())) {
            Study study;
            try {
                study = StudyFile.parse(json, base, s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file.getFileName() + ": " + e.getMessage(), e);
            }
            Path dir = out != null ? out : study.out() != null ? base.resolve(study.out()) : null;
            if (dir == null) throw new IllegalArgumentException(file.getFileName() + ": out: missing (give 'out' in the file or --out DIR)");
            String what = out != null ? "--out" : file.getFileName() + ": out";
            Path input = file.toAbsolutePath();
            if (StudyWriter.FIXED_FILES.contains(input.getFileName().toString()) && Files.isDirectory(dir)
                    && Files.isSameFile(dir, input.getParent()))
                throw new IllegalArgumentException(what + " " + dir + ": the study writes " + input.getFileName()
                        + " there, which would overwrite the experiment file; choose another folder");
            OutputFiles.folder(dir, what);
            long t0 = System.nanoTime();
            s.engine();
            long loadMs = s.loadMillis() + (System.nanoTime() - t0) / 1_000_000;
            StudyResult r = StudyRunner.run(study, s, System.err);
            StudyWriter.Output o = StudyWriter.write(r, s, Main.VERSION, loadMs, dir);
            int runs = r.pairs().stream().mapToInt(p -> 2 + p.experiments().stream().mapToInt(x -> x.runs().size()).sum()).sum();
            System.out.println("nci run: " + study.pairs().size() + " pair(s), " + study.experiments().size() + " experiment(s), " + runs
                    + " runs in " + r.runMillis() + " ms");
            for (Findings.Summary sum : o.summaries())
                if (sum.pair() < StudyWriter.MAX_PAIRS_SHOWN)
                    System.out.println("  " + (study.pairs().size() > 1 ? study.pairName(sum.pair()) + ", " : "") + Findings.sentence(r, sum));
            System.out.println("report: " + o.report().toAbsolutePath().normalize());
        }
        return 0;
    }
}
