package nci.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {
    private static final int INITIAL_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() { Parallel.setThreads(INITIAL_THREADS); }

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int n : new int[] {0, 1, 2, 7, 1000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                Parallel.forRange(n, 1, (s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
                for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "threads=" + threads + " n=" + n + " index " + i);
            }
        }
    }

    @Test
    void nestedCallsRunInline() {
        Parallel.setThreads(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forRange(10, 1, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = i;
                Parallel.forRange(10, 1, (s2, e2) -> { for (int j = s2; j < e2; j++) hits.incrementAndGet(row * 10 + j); });
            }
        });
        for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i), "nested index " + i);
    }

    @Test
    void rejectsZeroThreads() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }

    @Test
    void describeNamesSpeciesAndLanes() {
        String s = VectorInfo.describe();
        assertTrue(s.contains(VectorInfo.lanes() + " float lanes"), s);
        assertTrue(VectorInfo.lanes() >= 1, s);
    }
}
