package nci.tensor;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place parallelism lives: a fixed pool whose size the user sets
 * ({@code -Dnci.threads=N} or {@link #setThreads}); default = available processors.
 * Work is split over rows, heads or experiments; kernels vectorise inside a range.
 * Nested calls from a pool thread run inline, so a parallel caller never deadlocks a parallel kernel.
 * Two ways to split: {@link #forRange} cuts fixed contiguous parts (one per thread); {@link #forChunks} lets the
 * threads claim small chunks one at a time, which keeps a shared machine's late or slow thread from holding the
 * caller up.
 */
public final class Parallel {

    @FunctionalInterface
    public interface RangeBody {
        /** Process indices [start, end). */
        void run(int start, int end);
    }

    private static volatile int threads = Integer.getInteger("nci.threads", Runtime.getRuntime().availableProcessors());
    private static ExecutorService pool;
    private static final ThreadLocal<Boolean> IN_POOL = ThreadLocal.withInitial(() -> false);

    private Parallel() {}

    public static int threads() { return threads; }

    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        if (n != threads && pool != null) { pool.shutdown(); pool = null; }
        threads = n;
    }

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(() -> { IN_POOL.set(true); r.run(); }, "nci-worker");
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /**
     * Runs body over [0, n) split into at most {@link #threads()} contiguous chunks of at least
     * {@code minChunk} indices; the calling thread takes the first chunk.
     */
    public static void forRange(int n, int minChunk, RangeBody body) {
        if (n <= 0) return;
        int parts = Math.min(threads, Math.max(1, n / Math.max(1, minChunk)));
        if (parts <= 1 || IN_POOL.get()) { body.run(0, n); return; }
        ExecutorService p = pool();
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        int base = n / parts, extra = n % parts;
        int start = base + (extra > 0 ? 1 : 0);
        for (int i = 1; i < parts; i++) {
            int s = start, e = s + base + (i < extra ? 1 : 0);
            futures.add(p.submit(() -> body.run(s, e)));
            start = e;
        }
        boolean was = IN_POOL.get();
        IN_POOL.set(true);
        try {
            body.run(0, base + (extra > 0 ? 1 : 0));
        } finally {
            IN_POOL.set(was);
        }
        for (Future<?> f : futures) await(f);
    }

    /**
     * Runs body over [0, n) in chunks of {@code grain} indices (the last one shorter) that the calling thread and up
     * to {@link #threads()} - 1 pool threads claim one at a time, so the faster thread takes the larger share. A pool
     * task that has not started by the time the caller has run out of chunks is skipped rather than waited for (on
     * this shared machine a pool thread often starts late); one that has started is waited for. With one thread, one chunk, or when called from
     * a pool thread, body runs once over all of [0, n): how [0, n) is cut must not change the results.
     */
    public static void forChunks(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        if (grain < 1) throw new IllegalArgumentException("grain must be >= 1, got " + grain);
        int chunks = (n + grain - 1) / grain, parts = Math.min(threads, chunks);
        if (parts <= 1 || IN_POOL.get()) { body.run(0, n); return; }
        AtomicInteger next = new AtomicInteger();
        Runnable claim = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement())
                body.run(c * grain, Math.min(n, (c + 1) * grain));
        };
        // Each pool task first takes its ticket; a ticket the caller takes back means the task never ran body.
        // (Future.cancel cannot tell: it also succeeds on a task that is already running.)
        ExecutorService p = pool();
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        List<AtomicBoolean> tickets = new ArrayList<>(parts - 1);
        for (int i = 1; i < parts; i++) {
            AtomicBoolean ticket = new AtomicBoolean();
            tickets.add(ticket);
            futures.add(p.submit(() -> { if (ticket.compareAndSet(false, true)) claim.run(); }));
        }
        IN_POOL.set(true);
        try {
            claim.run();
        } finally {
            IN_POOL.set(false);
        }
        for (int i = 0; i < futures.size(); i++) {
            if (tickets.get(i).compareAndSet(false, true)) continue;  // not started: nothing left for it to do
            await(futures.get(i));
        }
    }

    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}
