package nci.bench;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One benchmark at one parameter set, as written to the JSON array:
 * {@code {"benchmark": "GemmBench.matmul", "params": {"T": 32, "K": 768, "N": 2304, "threads": 2},
 * "score": 41.2, "unit": "GFLOP/s", "error": 1.3}}. {@code error} is JMH's 99.9% confidence half-width
 * in the same unit, null when there were too few samples to compute one.
 */
@JsonPropertyOrder({"benchmark", "params", "score", "unit", "error"})
public record BenchRecord(String benchmark, Map<String, Object> params, double score, String unit, Double error) {
    public BenchRecord {
        if (benchmark == null || benchmark.isBlank()) throw new IllegalArgumentException("benchmark name missing");
        if (unit == null || unit.isBlank()) throw new IllegalArgumentException("unit missing for " + benchmark);
        if (!Double.isFinite(score)) throw new IllegalArgumentException(benchmark + ": score " + score + " is not finite");
        if (error != null && !Double.isFinite(error)) error = null;
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }
}
