package nci.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import nci.tensor.Gemm;
import nci.tensor.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

/** GemmBench.packedMatmul: what it times is the per-call product's bits, and its cells are ones compare-numpy has. */
class GemmBenchTest {

    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restoreThreads() { Parallel.setThreads(threadsBefore); }

    @Test
    void packedMatmulGivesThePerCallProductsBits() {
        // column edges (n not a multiple of the panel width), k over one k slice, and (768x768 at 7 and 13 rows)
        // products large enough to be split between two threads
        for (String shape : new String[] {"300x40", "64x37", "768x96", "768x768"})
            for (int t : new int[] {1, 2, 7, 13})
                for (int threads : new int[] {1, 2}) {
                    GemmBench.Packed s = new GemmBench.Packed();
                    s.T = t;
                    s.shape = shape;
                    s.threads = threads;
                    s.setup();   // throws unless the packed product equals the per-call one exactly
                    try {
                        Arrays.fill(s.c, Float.NaN);
                        float[] timed = new GemmBench().packedMatmul(s);
                        float[] expected = new float[s.c.length];
                        Gemm.matmul(s.a, 0, s.t, s.k, s.b, s.bias, expected, 0);
                        assertArrayEquals(expected, timed, "T=" + t + " shape=" + shape + " threads=" + threads);
                        assertEquals(Gemm.packedFloats(s.k, s.n) * Float.BYTES, s.packed.data().byteSize());
                    } finally {
                        s.tearDown();
                    }
                }
    }

    @Test
    void packedCellsAreMatmulCells() throws NoSuchFieldException {
        // compare-numpy times numpy once per matmul cell and pairs packedMatmul with the same cell
        List<String> matmulT = List.of(GemmBench.Fast.class.getField("T").getAnnotation(Param.class).value());
        List<String> matmulShapes = List.of(GemmBench.Fast.class.getField("shape").getAnnotation(Param.class).value());
        String[] packedT = GemmBench.Packed.class.getField("T").getAnnotation(Param.class).value();
        String[] packedShapes = GemmBench.Packed.class.getField("shape").getAnnotation(Param.class).value();
        for (String t : packedT) assertTrue(matmulT.contains(t), "T=" + t);
        for (String shape : packedShapes) assertTrue(matmulShapes.contains(shape), shape);
        assertArrayEquals(new String[] {"8", "32", "128", "512"}, packedT);
        assertArrayEquals(new String[] {"768x2304", "768x768", "768x3072", "3072x768"}, packedShapes);
        assertArrayEquals(new String[] {"1", "2"}, GemmBench.Packed.class.getField("threads").getAnnotation(Param.class).value());
        assertTrue(BenchMain.plans(BenchMain.Family.GEMM, false).stream().anyMatch(p -> p.benchmark().equals("GemmBench.packedMatmul")));
        assertTrue(BenchMain.plans(BenchMain.Family.GEMM, true).stream().anyMatch(p -> p.benchmark().equals("GemmBench.packedMatmul")));
    }
}
