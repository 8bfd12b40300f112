package nci.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import nci.tensor.VectorInfo;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

/**
 * The FMA-peak probe's loop against closed forms (so a skipped, shortened or merged loop fails), its FLOP count,
 * and that BenchMain's GEMM family runs it. Nothing here is timed.
 */
class FmaPeakTest {

    private static final int A = FmaPeak.ACCUMULATORS;

    /** Σ_j (start_j) over the 12 chains times lanes, for chain values start_j = base + j. */
    private static float closedSum(float base, int lanes) {
        return lanes * (A * base + A * (A - 1) / 2f);
    }

    @Test
    void speciesIsTheKernels() {
        assertEquals(VectorInfo.lanes(), FmaPeak.lanes());
        assertEquals(FmaPeak.SPECIES.length(), FmaPeak.lanes());
    }

    @Test
    void unitProductAddsOnePerStep() {
        // c <- c·1 + 1: chain j ends at c0 + j + n in every lane, exact while below 2^24
        int lanes = FmaPeak.lanes();
        for (int n : new int[] {0, 1, 7, 1000, 100_000}) {
            for (float c0 : new float[] {0f, 1f, -5f}) {
                float got = FmaPeak.chains(1f, 1f, c0, n);
                assertEquals(closedSum(c0 + n, lanes), got, 0f, "chains(a=1, b=1, c0=" + c0 + ", n=" + n + ")");
            }
        }
        // distinct values: a loop that ran one step short would be off by 12·lanes
        assertEquals(lanes * A * 1f, FmaPeak.chains(1f, 1f, 3f, 10) - FmaPeak.chains(1f, 1f, 3f, 9), 0f);
    }

    @Test
    void productIsAddedEachStep() {
        // c <- 2·3 + c: chain j ends at c0 + j + 6n, exact while below 2^24. With the accumulator as a multiplicand
        // (c·a + b, the probe's first form) this would be (c0 + j)·2^n + 3(2^n - 1) instead
        int lanes = FmaPeak.lanes();
        for (int n : new int[] {0, 1, 5, 10, 1000}) {
            float got = FmaPeak.chains(2f, 3f, 1f, n);
            assertEquals(closedSum(1f + 6f * n, lanes), got, 0f, "chains(a=2, b=3, c0=1, n=" + n + ")");
        }
    }

    /** The scalar twin of one chain: c <- fma(a, b, c), one rounding per step like the vector lanes. */
    private static float scalarChain(float a, float b, float start, int steps) {
        float c = start;
        for (int i = 0; i < steps; i++) c = Math.fma(a, b, c);
        return c;
    }

    @Test
    void benchmarkOperandsMatchTheScalarChainAndTheClosedForm() {
        // the timed call: c <- 2^-10·2^-10 + c for 2^16 steps from 1 … 12; every lane ends where the scalar chain
        // does, 1/16 above its start, exactly
        GemmBench.Peak p = new GemmBench.Peak();
        int lanes = FmaPeak.lanes();
        float expected = 0f;
        for (int j = 0; j < A; j++) {
            float end = scalarChain(p.a, p.b, p.c0 + j, p.steps);
            assertEquals(p.c0 + j + 0.0625f, end, 0f, "scalar chain " + j);
            expected += lanes * end;
        }
        float got = FmaPeak.chains(p.a, p.b, p.c0, p.steps);
        assertEquals(expected, got, 0f, "chains(a=" + p.a + ", b=" + p.b + ", c0=" + p.c0 + ", " + p.steps + ")");
        assertEquals(GemmBench.Peak.timedSum(p.a, p.b, p.c0, p.steps, lanes), got, 0f);
        assertEquals(closedSum(p.c0 + 0.0625f, lanes), got, 0f);
        assertEquals(FmaPeak.ITERATIONS, p.rounds * p.steps);
    }

    @Test
    void benchmarkOperandsStayFiniteOverAWholeOp() {
        // even one call of a whole op's steps (2^23) keeps every chain finite, at most 8 above its start (from 16
        // on a step of 2^-20 is half an ulp and rounds away, so the chains from 9 and more stop there)
        GemmBench.Peak p = new GemmBench.Peak();
        for (float start : new float[] {p.c0, p.c0 + A - 1, 0f}) {
            float end = scalarChain(p.a, p.b, start, FmaPeak.ITERATIONS);
            float top = Math.max(start, Math.min(start + 8f, 16f));
            assertEquals(top, end, 0f, "chain from " + start);
        }
    }

    @Test
    void roundsSumTheirCalls() {
        int lanes = FmaPeak.lanes();
        assertEquals(5 * closedSum(2f + 100, lanes), FmaPeak.rounds(1f, 1f, 2f, 5, 100), 0f);
        assertEquals(0f, FmaPeak.rounds(1f, 1f, 2f, 0, 100), 0f);
        assertThrows(IllegalArgumentException.class, () -> FmaPeak.rounds(1f, 1f, 2f, -1, 100));
    }

    @Test
    void negativeIterationsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FmaPeak.chains(1f, 1f, 0f, -1));
        assertTrue(e.getMessage().contains("iterations must be >= 0, got -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FmaPeak.gflopPerOp(0, 8));
    }

    @Test
    void flopsPerOpAreThreadsIterationsChainsLanesTwo() {
        assertEquals(2.0 * 3 * 1000 * 12 * 8, FmaPeak.flopsPerOp(3, 1000, 8));
        // 1 thread · 2^23 · 12 · 8 · 2 = 1,610,612,736 flops
        assertEquals(1.610612736, FmaPeak.gflopPerOp(1, 8), 1e-12);
        assertEquals(6.442450944, FmaPeak.gflopPerOp(2, 16), 1e-12);
        assertTrue(FmaPeak.ACCUMULATORS >= 8, "AVX2 needs >= 8 chains in flight (latency 4 x 2 pipes)");
    }

    @Test
    void setupAcceptsTheProbe() {
        GemmBench.Peak p = new GemmBench.Peak();
        p.threads = 1;
        p.when = "start";
        p.setup();   // its checks: closed forms and a finite timed call
        assertEquals(1, p.perThread.length);
        p.when = "middle";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::setup);
        assertTrue(e.getMessage().contains("when must be start or end, got middle"), e.getMessage());
    }

    @Test
    void gemmAndForwardFamiliesAreBracketedByThePeakAtOneAndTwoThreads() throws Exception {
        assertArrayEquals(new String[] {"1", "2"}, GemmBench.Peak.class.getField("threads").getAnnotation(Param.class).value());
        assertArrayEquals(new String[] {"start", "end"}, GemmBench.Peak.class.getField("when").getAnnotation(Param.class).value());
        for (BenchMain.Family f : List.of(BenchMain.Family.GEMM, BenchMain.Family.FORWARD)) {
            for (boolean quick : new boolean[] {false, true}) {
                List<BenchMain.Plan> plans = BenchMain.plans(f, quick);
                String where = f + " quick=" + quick;
                List<BenchMain.Plan> peaks = plans.stream().filter(p -> p.benchmark().equals("GemmBench.fmaPeak")).toList();
                // a full run brackets the family; --quick (a pipeline check under two minutes) measures at the start only
                assertEquals(quick ? 1 : 2, peaks.size(), where + ": fmaPeak plans");
                assertEquals(peaks.get(0), plans.get(0), where + ": the first plan is a peak");
                assertArrayEquals(new String[] {"start"}, peaks.get(0).params().get("when"), where);
                if (!quick) {
                    assertEquals(peaks.get(1), plans.get(plans.size() - 1), where + ": the last plan is a peak");
                    assertArrayEquals(new String[] {"end"}, peaks.get(1).params().get("when"), where);
                }
                for (BenchMain.Plan p : peaks) assertArrayEquals(new String[] {"1", "2"}, p.params().get("threads"), where);
                assertTrue(plans.size() > 2, where + ": benchmarks between the peaks");
                assertTrue("nci.bench.GemmBench.fmaPeak".matches(peaks.get(0).includeRegex()));
                assertTrue(!"nci.bench.GemmBench.matmul".matches(peaks.get(0).includeRegex()));
            }
        }
        assertTrue(BenchMain.plans(BenchMain.Family.SWEEP, false).stream().noneMatch(p -> p.benchmark().contains("fmaPeak")));
    }
}
