package nci.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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
    void chunksCoverEveryIndexOnceAlongGrainBoundaries() {
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int n : new int[] {0, 1, 2, 7, 1000}) {
                for (int grain : new int[] {1, 3, 64, 5000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                    String at = "threads=" + threads + " n=" + n + " grain=" + grain;
                    Parallel.forChunks(n, grain, (s, e) -> {
                        // either the whole range (run inline) or one chunk that starts on a grain boundary
                        boolean whole = s == 0 && e == n;
                        if (!whole && (s % grain != 0 || e - s > grain || (e - s < grain && e != n)))
                            throw new AssertionError(at + ": chunk [" + s + ", " + e + ") is not a grain chunk");
                        for (int i = s; i < e; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), at + " index " + i);
                }
            }
        }
    }

    /** A chunk a pool thread is still working on when the caller runs out of chunks is waited for. */
    @Test
    void chunksReturnOnlyWhenEveryChunkIsDone() {
        Parallel.setThreads(2);
        for (int rep = 0; rep < 20; rep++) {
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            Parallel.forChunks(8, 1, (s, e) -> {
                if (!Thread.currentThread().getName().equals("main")) {  // the pool thread's chunks finish late
                    try { Thread.sleep(3); } catch (InterruptedException ex) { throw new IllegalStateException(ex); }
                }
                done.addAndGet(e - s);
            });
            assertEquals(8, done.get(), "rep " + rep + ": forChunks returned before every chunk was done");
        }
    }

    @Test
    void chunksRunInlineWhenNestedAndRethrow() {
        Parallel.setThreads(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forChunks(10, 1, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = i;
                Parallel.forChunks(10, 1, (s2, e2) -> {
                    assertEquals(0, s2, "nested call split its range");
                    assertEquals(10, e2, "nested call split its range");
                    for (int j = s2; j < e2; j++) hits.incrementAndGet(row * 10 + j);
                });
            }
        });
        for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i), "nested index " + i);
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forChunks(64, 1, (s, e) -> {
            if (s <= 40 && 40 < e) throw new IllegalStateException("chunk 40 failed");
        }));
        assertEquals("chunk 40 failed", thrown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Parallel.forChunks(4, 0, (s, e) -> { }));
    }

    /**
     * The pool's threads spin for a while after their last task, then sleep: work handed over after they have gone
     * to sleep still runs on a pool thread, and what a pool task throws reaches the caller.
     */
    @Test
    void poolThreadsWakeFromSleepAndRethrow() throws InterruptedException {
        Parallel.setThreads(2);
        for (int rep = 0; rep < 3; rep++) {
            Thread.sleep(Parallel.SPIN_NANOS / 1_000_000 + 20);   // past the spin: the pool thread is parked
            String[] ranOn = new String[2];
            Parallel.forRange(2, 1, (s, e) -> ranOn[s] = Thread.currentThread().getName());
            assertEquals(Thread.currentThread().getName(), ranOn[0], "rep " + rep + ": the caller takes the first part");
            assertEquals("nci-worker", ranOn[1], "rep " + rep + ": the second part runs on the pool");
        }
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forRange(2, 1, (s, e) -> {
            if (s == 1) throw new IllegalStateException("part 1 failed on " + Thread.currentThread().getName());
        }));
        assertEquals("part 1 failed on nci-worker", thrown.getMessage());
    }

    /**
     * A forChunks whose pool task has not started when the caller has done every chunk returns without waiting for
     * it: here the one pool thread is held by another caller's task, so the caller runs all chunks and withdraws its
     * own task (waiting for it would wait for the other caller).
     */
    @Test
    void forChunksDoesNotWaitForAPoolTaskThatHasNotStarted() throws InterruptedException {
        Parallel.setThreads(2);
        CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread other = new Thread(() -> Parallel.forRange(2, 1, (s, e) -> {
            if (s == 1) {                       // the pool thread's part: hold the pool thread
                holding.countDown();
                try { release.await(); } catch (InterruptedException ex) { Thread.currentThread().interrupt(); }
            }
        }));
        other.setDaemon(true);                  // a failed run must not keep the test JVM alive
        other.start();
        holding.await();
        String[] ranOn = new String[4], caller = new String[1];
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {  // runs the call on a thread of its own
                caller[0] = Thread.currentThread().getName();
                Parallel.forChunks(4, 1, (s, e) -> ranOn[s] = Thread.currentThread().getName());
            });
        } finally {
            release.countDown();
        }
        other.join();
        for (int i = 0; i < 4; i++) assertEquals(caller[0], ranOn[i], "chunk " + i + " ran on the caller");
    }

    /** Changing the thread count retires the old pool: its threads end, and the new pool has threads - 1 of them. */
    @Test
    void changingTheThreadCountRetiresTheOldPool() throws InterruptedException {
        Parallel.setThreads(4);
        Parallel.forRange(4, 1, (s, e) -> { });
        Parallel.setThreads(2);
        Parallel.forRange(2, 1, (s, e) -> { });
        long workers = 0;
        for (int wait = 0; wait < 200; wait++) {   // the retired threads notice within a spin or a wake-up
            workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("nci-worker") && t.isAlive()).count();
            if (workers == 1) break;
            Thread.sleep(10);
        }
        assertEquals(1, workers, "live pool threads after setThreads(2)");
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
