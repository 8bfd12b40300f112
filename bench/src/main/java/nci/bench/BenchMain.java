package nci.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code BenchMain [gemm|forward|sweep|all] [--quick] [--json FILE]}: runs benchmark families through
 * JMH's Runner API, prints a table, and writes one JSON record per benchmark and parameter set
 * (see {@link BenchRecord}). Launched as
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar nci.bench.BenchMain ...}.
 *
 * <p>A full run takes the iteration counts from the benchmark classes' annotations and every
 * parameter value; {@code --quick} (1 fork, 1 warmup × 0.5 s, 2 × 0.5 s measurements, a subset of the
 * parameters; the sweep, seconds per op: no warmup beyond its setup, 1 measurement) keeps gemm + forward
 * + sweep under two minutes, for checking the pipeline (with 1 s iterations it took 112 s here).
 */
public final class BenchMain {
    private BenchMain() {}

    /**
     * One Runner invocation: a benchmark method, the param values to override (none = all of its own),
     * and the warmup and measured iterations under --quick (an op that takes seconds is warm after its
     * @Setup check, and one measured op of it is all a pipeline check can afford).
     */
    record Plan(String benchmark, Map<String, String[]> params, int quickWarmups, int quickMeasurements) {
        Plan {
            params = Map.copyOf(params);
            if (quickWarmups < 0) throw new IllegalArgumentException("quickWarmups must be >= 0, got " + quickWarmups);
            if (quickMeasurements < 1) throw new IllegalArgumentException("quickMeasurements must be >= 1, got " + quickMeasurements);
        }

        Plan(String benchmark, Map<String, String[]> params) {
            this(benchmark, params, 1, 2);
        }

        String includeRegex() {
            return "^" + java.util.regex.Pattern.quote(Results.PACKAGE_PREFIX + benchmark) + "$";
        }
    }

    enum Family { GEMM, FORWARD, SWEEP }

    /** The FMA peak is measured at every thread count the GEMMs and forwards run with. */
    private static final String[] PEAK_THREADS = {"1", "2"};

    /**
     * The FMA-peak probe at the start and at the end of a family: the FMA throughput this run's threads get,
     * bracketing the family's benchmarks (the yardstick compare-numpy and compare-torch divide by).
     */
    private static Plan peak(String when) {
        return new Plan("GemmBench.fmaPeak", Map.of("threads", PEAK_THREADS, "when", new String[] {when}));
    }

    /**
     * The family's benchmarks between a start and an end measurement of the FMA peak; under --quick (a pipeline
     * check, which must stay under two minutes for all families) after the start measurement only.
     */
    private static List<Plan> bracketed(boolean quick, Plan... plans) {
        List<Plan> all = new ArrayList<>();
        all.add(peak("start"));
        all.addAll(List.of(plans));
        if (!quick) all.add(peak("end"));
        return List.copyOf(all);
    }

    static List<Plan> plans(Family family, boolean quick) {
        return switch (family) {
            case GEMM -> quick
                    ? bracketed(true, new Plan("GemmBench.matmul", Map.of("T", new String[] {"32"})),
                                new Plan("GemmBench.packedMatmul", Map.of("T", new String[] {"32"}, "shape", new String[] {"768x3072"})),
                                new Plan("GemmBench.lmHead", Map.of("T", new String[] {"1"}, "threads", new String[] {"1"})),
                                new Plan("GemmBench.scalarMatmul", Map.of("T", new String[] {"8"})))
                    : bracketed(false, new Plan("GemmBench.matmul", Map.of()),
                                new Plan("GemmBench.packedMatmul", Map.of()),
                                new Plan("GemmBench.lmHead", Map.of()),
                                new Plan("GemmBench.scalarMatmul", Map.of()));
            case FORWARD -> quick
                    ? bracketed(true, new Plan("ForwardBench.forwardLastLogits", Map.of("input", new String[] {"1x32"})),
                                new Plan("ForwardBench.forwardLastLogits", Map.of("input", new String[] {"16x32"}, "threads", new String[] {"2"})))
                    : bracketed(false, new Plan("ForwardBench.forwardLastLogits", Map.of()));
            case SWEEP -> quick
                    ? List.of(new Plan("SweepBench.nodeAndPosition", Map.of("cache", new String[] {"on"}, "threads", new String[] {"2"}), 0, 1))
                    : List.of(new Plan("SweepBench.nodeAndPosition", Map.of()));
        };
    }

    public static void main(String[] args) throws RunnerException, java.io.IOException {
        List<Family> families = new ArrayList<>();
        boolean quick = false;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "gemm" -> families.add(Family.GEMM);
                case "forward" -> families.add(Family.FORWARD);
                case "sweep" -> families.add(Family.SWEEP);
                case "all" -> families.addAll(List.of(Family.values()));
                case "--quick" -> quick = true;
                case "--json" -> {
                    if (i + 1 >= args.length) usage("--json needs a file name");
                    json = Path.of(args[++i]);
                }
                case "-h", "--help" -> { usage(null); return; }
                default -> usage("unknown argument '" + args[i] + "'");
            }
        }
        if (families.isEmpty()) families.addAll(List.of(Family.values()));

        double loadBefore = loadAverage();
        long start = System.nanoTime();
        List<BenchRecord> records = new ArrayList<>();
        for (Family f : families.stream().distinct().toList()) {
            for (Plan p : plans(f, quick)) {
                for (RunResult r : new Runner(options(p, quick)).run()) records.add(Results.fromJmh(r));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        System.out.println();
        System.out.print(Results.table(records));
        System.out.printf(java.util.Locale.ROOT, "%d results in %.0f s%s; 1-minute load average %.2f before, %.2f after, on %d cores%n",
                records.size(), seconds, quick ? " (--quick)" : "", loadBefore, loadAverage(), Runtime.getRuntime().availableProcessors());
        if (json != null) {
            Results.writeJson(records, json);
            System.out.println("wrote " + json.toAbsolutePath());
        }
    }

    /** The OS's 1-minute load average (-1 where unavailable): a shared machine makes numbers noisy, so say how busy it was. */
    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** An iteration under --quick: at least one op, whatever its length; short, so all families stay under two minutes. */
    static final TimeValue QUICK_ITERATION = TimeValue.milliseconds(500);

    static org.openjdk.jmh.runner.options.Options options(Plan plan, boolean quick) {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(plan.includeRegex())
                .jvmArgs((plan.benchmark().startsWith("SweepBench") ? JvmFlags.PATCHING : JvmFlags.ALL).toArray(String[]::new))   // exactly these
                .shouldFailOnError(true);
        for (Map.Entry<String, String[]> p : new LinkedHashMap<>(plan.params()).entrySet()) b.param(p.getKey(), p.getValue());
        if (quick) {
            b.forks(1)
                    .warmupIterations(plan.quickWarmups()).warmupTime(QUICK_ITERATION)
                    .measurementIterations(plan.quickMeasurements()).measurementTime(QUICK_ITERATION);
        }
        return b.build();
    }

    /** Prints usage; with a message, as an error (exit status 2: this is a command-line entry point). */
    private static void usage(String error) {
        String text = "usage: BenchMain [gemm|forward|sweep|all] [--quick] [--json FILE]\n"
                + "  gemm     GEMM kernels on GPT-2-small shapes (GFLOP/s), with a scalar baseline and the measured FMA peak\n"
                + "           (forward and gemm measure the peak at their start and at their end)\n"
                + "  forward  GPT-2-small forward to last-position logits (ms), with the measured FMA peak\n"
                + "  sweep    node x position path-patching sweep (ms)\n"
                + "  all      all of the above (the default)\n"
                + "  --quick  1 fork, 1 warmup x 0.5 s, 2 x 0.5 s measurements, fewer parameter sets\n"
                + "  --json   write the results as a JSON array of {benchmark, params, score, unit, error}";
        if (error == null) {
            System.out.println(text);
            return;
        }
        System.err.println("nci bench: " + error);
        System.err.println(text);
        System.exit(2);
    }
}
