package nci.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON report's record shape and unit conversions (no benchmark is run or timed here). */
class ResultsTest {

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void gemmThroughputBecomesGflops() {
        // 2·32·768·2304 = 113,246,208 flops per op; 500 ops/s -> 56.623104 GFLOP/s
        BenchRecord r = Results.toRecord("nci.bench.GemmBench.matmul",
                params("T", "32", "shape", "768x2304", "threads", "2"), 500.0, 10.0, "ops/s");
        assertEquals("GemmBench.matmul", r.benchmark());
        assertEquals("GFLOP/s", r.unit());
        assertEquals(56.623104, r.score(), 1e-9);
        assertEquals(1.13246208, r.error(), 1e-12);
        assertEquals(List.of("T", "K", "N", "threads"), List.copyOf(r.params().keySet()));
        assertEquals(Map.of("T", 32, "K", 768, "N", 2304, "threads", 2), r.params());
    }

    @Test
    void fmaPeakThroughputBecomesGflops() {
        // 2 threads · 2^23 iterations · 12 chains · 8 lanes · 2 = 3,221,225,472 flops per op;
        // 25 ops/s -> 80.5306368 GFLOP/s, error 0.5 ops/s -> 1.610612736
        BenchRecord r = Results.toRecord("nci.bench.GemmBench.fmaPeak", params("threads", "2"), 25.0, 0.5, "ops/s", 8);
        assertEquals("GemmBench.fmaPeak", r.benchmark());
        assertEquals("GFLOP/s", r.unit());
        assertEquals(80.5306368, r.score(), 1e-9);
        assertEquals(1.610612736, r.error(), 1e-12);
        assertEquals(Map.of("threads", 2), r.params());

        // 1 thread at 16 lanes (AVX-512): 2^23 · 12 · 16 · 2 = 3,221,225,472 flops; 20 ops/s -> 64.42450944
        BenchRecord wide = Results.toRecord("nci.bench.GemmBench.fmaPeak", params("threads", "1"), 20.0, Double.NaN, "ops/s", 16);
        assertEquals(64.42450944, wide.score(), 1e-9);
        assertNull(wide.error());

        // the public entry point uses this JVM's lanes
        BenchRecord here = Results.toRecord("nci.bench.GemmBench.fmaPeak", params("threads", "1"), 10.0, 1.0, "ops/s");
        assertEquals(10.0 * FmaPeak.gflopPerOp(1, FmaPeak.lanes()), here.score(), 1e-9);
        assertEquals(10.0 * 2 * (1 << 23) * 12 * FmaPeak.lanes() / 1e9, here.score(), 1e-9);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Results.toRecord("nci.bench.GemmBench.fmaPeak", params(), 10.0, 1.0, "ops/s", 8));
        assertTrue(e.getMessage().contains("GemmBench.fmaPeak: param threads missing"), e.getMessage());
    }

    @Test
    void otherThroughputsAreNotTakenForThePeak() {
        // only the fmaPeak name gets the peak's conversion; another ops/s benchmark without a shape stays ops/s
        BenchRecord r = Results.toRecord("nci.bench.OtherBench.fmaPeakish", params("threads", "2"), 25.0, 0.5, "ops/s", 8);
        assertEquals("ops/s", r.unit());
        assertEquals(25.0, r.score());
    }

    @Test
    void forwardAverageTimeIsMsWithBatchAndT() {
        BenchRecord r = Results.toRecord("nci.bench.ForwardBench.forwardLastLogits",
                params("input", "16x32", "threads", "1"), 812.5, Double.NaN, "ms/op");
        assertEquals("ms", r.unit());
        assertEquals(812.5, r.score());
        assertNull(r.error(), "a NaN error (too few samples) is written as null");
        assertEquals(List.of("batch", "T", "threads"), List.copyOf(r.params().keySet()));
        assertEquals(Map.of("batch", 16, "T", 32, "threads", 1), r.params());
    }

    @Test
    void jsonIsAnArrayOfFiveFieldRecords() throws Exception {
        List<BenchRecord> records = List.of(
                Results.toRecord("nci.bench.GemmBench.scalarMatmul", params("T", "8", "shape", "768x768", "threads", "1"),
                        100.0, 2.0, "ops/s"),
                Results.toRecord("nci.bench.ForwardBench.forwardLastLogits", params("input", "1x8", "threads", "2"),
                        12.0, Double.NaN, "ms/op"));
        JsonNode root = new ObjectMapper().readTree(Results.toJson(records));
        assertTrue(root.isArray(), "top level must be an array");
        assertEquals(2, root.size());

        JsonNode gemm = root.get(0);
        assertEquals(List.of("benchmark", "params", "score", "unit", "error"), fieldNames(gemm));
        assertEquals("GemmBench.scalarMatmul", gemm.get("benchmark").asText());
        assertTrue(gemm.get("benchmark").asText().contains("scalar"), "scalar baselines carry 'scalar' in the name");
        assertEquals(8, gemm.get("params").get("T").intValue());
        assertTrue(gemm.get("params").get("K").isInt(), "K must be a JSON number");
        assertEquals(768, gemm.get("params").get("N").intValue());
        assertEquals(1, gemm.get("params").get("threads").intValue());
        assertEquals(100.0 * 2 * 8 * 768 * 768 / 1e9, gemm.get("score").doubleValue(), 1e-9);
        assertEquals("GFLOP/s", gemm.get("unit").asText());
        assertEquals(2.0 * 2 * 8 * 768 * 768 / 1e9, gemm.get("error").doubleValue(), 1e-9);

        JsonNode fwd = root.get(1);
        assertEquals(List.of("benchmark", "params", "score", "unit", "error"), fieldNames(fwd));
        assertEquals("ms", fwd.get("unit").asText());
        assertTrue(fwd.get("error").isNull());
        assertEquals(1, fwd.get("params").get("batch").intValue());
    }

    @Test
    void tableListsEveryRecord() {
        String table = Results.table(List.of(
                Results.toRecord("nci.bench.GemmBench.matmul", params("T", "1", "shape", "768x768", "threads", "1"), 1000.0, 5.0, "ops/s")));
        String[] lines = table.split("\n");
        assertEquals(2, lines.length, table);
        assertTrue(lines[1].contains("GemmBench.matmul") && lines[1].contains("T=1 K=768 N=768 threads=1")
                && lines[1].contains("1.18") && lines[1].contains("GFLOP/s"), table);
    }

    @Test
    void badShapeNamesTheParam() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmBench.parseShape("768by768"));
        assertTrue(e.getMessage().contains("shape '768by768'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ForwardBench.parseInput("16x0"));
    }

    @Test
    void agreementReportsMaxErrorAndFirstDifferences() {
        float[] actual = {1f, 2f, 3.5f, Float.NaN};
        float[] expected = {1f, 2f, 3f, 4f};
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Agreement.check("probe", actual, 0, expected, 0, 4, 1e-3f));
        assertTrue(e.getMessage().startsWith("probe: max abs error NaN at index 3"), e.getMessage());
        assertTrue(e.getMessage().contains("[2] 3.5 vs 3.0"), e.getMessage());
        Agreement.check("equal", expected, 1, new float[] {2f, 3f}, 0, 2, 0f);   // must not throw
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }
}
