package nci.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * JMH results -> {@link BenchRecord}s -> JSON and a table.
 *
 * <p>Units: a throughput score of a benchmark with params {@code T} and {@code shape = "KxN"} is a GEMM
 * count, converted to GFLOP/s = ops/s · 2·T·K·N / 1e9 (error likewise); the throughput of
 * {@code GemmBench.fmaPeak} with param {@code threads} is converted to GFLOP/s with
 * {@link FmaPeak#gflopPerOp} (threads · iterations · accumulators · lanes · 2 flops per op, the lanes of this
 * JVM's preferred species, which the forked JVM on the same machine shares); average times in ms/op are
 * reported as {@code "ms"}. Params are renamed to the report's vocabulary: {@code shape "KxN"} becomes
 * {@code K} and {@code N}, {@code input "BxT"} becomes {@code batch} and {@code T}; integer-valued params
 * are written as numbers.
 */
public final class Results {
    private Results() {}

    static final String PACKAGE_PREFIX = "nci.bench.";
    /** The FMA-peak probe's record name (its GFLOP/s are not a GEMM's). */
    static final String FMA_PEAK = "GemmBench.fmaPeak";

    /** A JMH run result as a record. */
    public static BenchRecord fromJmh(RunResult run) {
        BenchmarkParams bp = run.getParams();
        Map<String, String> params = new LinkedHashMap<>();
        for (String key : bp.getParamsKeys()) params.put(key, bp.getParam(key));
        Result<?> primary = run.getPrimaryResult();
        return toRecord(bp.getBenchmark(), params, primary.getScore(), primary.getScoreError(), primary.getScoreUnit());
    }

    /**
     * The conversion itself, kept free of JMH types so it can be tested.
     * @param benchmark full JMH name, e.g. {@code nci.bench.GemmBench.matmul}
     * @param jmhUnit JMH's score unit, e.g. {@code ops/s} or {@code ms/op}
     */
    public static BenchRecord toRecord(String benchmark, Map<String, String> jmhParams, double score, double error, String jmhUnit) {
        return toRecord(benchmark, jmhParams, score, error, jmhUnit, 0);
    }

    /**
     * As above, with the vector lanes the FMA-peak probe ran with given (tests convert at 8 and 16 lanes);
     * 0 means this JVM's, looked up only for an fmaPeak record.
     */
    static BenchRecord toRecord(String benchmark, Map<String, String> jmhParams, double score, double error, String jmhUnit, int lanes) {
        String name = benchmark.startsWith(PACKAGE_PREFIX) ? benchmark.substring(PACKAGE_PREFIX.length()) : benchmark;
        Map<String, Object> params = new LinkedHashMap<>();
        if (jmhParams.containsKey("input")) {
            int[] bt = ForwardBench.parseInput(jmhParams.get("input"));
            params.put("batch", bt[0]);
            params.put("T", bt[1]);
        }
        if (jmhParams.containsKey("T")) params.put("T", number(jmhParams.get("T")));
        if (jmhParams.containsKey("shape")) {
            int[] kn = GemmBench.parseShape(jmhParams.get("shape"));
            params.put("K", kn[0]);
            params.put("N", kn[1]);
        }
        for (Map.Entry<String, String> p : jmhParams.entrySet())
            if (!params.containsKey(p.getKey()) && !p.getKey().equals("input") && !p.getKey().equals("shape"))
                params.put(p.getKey(), number(p.getValue()));

        String unit = jmhUnit;
        if (jmhUnit.equals("ops/s") && params.get("T") instanceof Integer t && params.get("K") instanceof Integer k
                && params.get("N") instanceof Integer n) {
            double gflopPerOp = gflopPerGemm(t, k, n);
            score *= gflopPerOp;
            error *= gflopPerOp;
            unit = "GFLOP/s";
        } else if (jmhUnit.equals("ops/s") && name.equals(FMA_PEAK)) {
            if (!(params.get("threads") instanceof Integer threads))
                throw new IllegalArgumentException(benchmark + ": param threads missing or not an integer: " + jmhParams);
            double gflopPerOp = FmaPeak.gflopPerOp(threads, lanes > 0 ? lanes : FmaPeak.lanes());
            score *= gflopPerOp;
            error *= gflopPerOp;
            unit = "GFLOP/s";
        } else if (jmhUnit.equals("ms/op")) {
            unit = "ms";
        }
        return new BenchRecord(name, params, score, unit, Double.isFinite(error) ? error : null);
    }

    /** 2·T·K·N / 1e9: one multiply and one add per (row, inner, column). */
    public static double gflopPerGemm(int t, int k, int n) {
        return 2.0 * t * k * n / 1e9;
    }

    private static Object number(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return s;
        }
    }

    public static String toJson(List<BenchRecord> records) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(records) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode benchmark results as JSON", e);
        }
    }

    public static void writeJson(List<BenchRecord> records, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(file, toJson(records));
    }

    /** A fixed-width table: benchmark, params, score ± error, unit. */
    public static String table(List<BenchRecord> records) {
        StringBuilder sb = new StringBuilder();
        int w = "benchmark".length();
        for (BenchRecord r : records) w = Math.max(w, r.benchmark().length());
        int pw = "params".length();
        for (BenchRecord r : records) pw = Math.max(pw, paramString(r).length());
        String fmt = "%-" + w + "s  %-" + pw + "s  %12s  %10s  %s%n";
        sb.append(String.format(Locale.ROOT, fmt, "benchmark", "params", "score", "± error", "unit"));
        for (BenchRecord r : records) {
            sb.append(String.format(Locale.ROOT, fmt, r.benchmark(), paramString(r), decimal(r.score()),
                    r.error() == null ? "n/a" : decimal(r.error()), r.unit()));
        }
        return sb.toString();
    }

    private static String paramString(BenchRecord r) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> p : r.params().entrySet()) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(p.getKey()).append('=').append(p.getValue());
        }
        return sb.toString();
    }

    private static String decimal(double x) {
        return String.format(Locale.ROOT, Math.abs(x) >= 100 ? "%.1f" : Math.abs(x) >= 1 ? "%.2f" : "%.4f", x);
    }
}
