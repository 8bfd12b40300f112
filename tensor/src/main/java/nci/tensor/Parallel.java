package nci.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

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
    private static Pool pool;
    private static final ThreadLocal<Boolean> IN_POOL = ThreadLocal.withInitial(() -> false);

    private Parallel() {}

    public static int threads() { return threads; }

    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        if (n != threads && pool != null) { pool.shutdown(); pool = null; }
        threads = n;
    }

    private static synchronized Pool pool() {
        if (pool == null) pool = new Pool(Math.max(1, threads - 1));  // the caller is the other thread
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
        Pool p = pool();
        List<Task> tasks = new ArrayList<>(parts - 1);
        int base = n / parts, extra = n % parts;
        int start = base + (extra > 0 ? 1 : 0);
        for (int i = 1; i < parts; i++) {
            int s = start, e = s + base + (i < extra ? 1 : 0);
            tasks.add(p.submit(() -> body.run(s, e)));
            start = e;
        }
        boolean was = IN_POOL.get();
        IN_POOL.set(true);
        try {
            body.run(0, base + (extra > 0 ? 1 : 0));
        } finally {
            IN_POOL.set(was);
        }
        for (Task t : tasks) t.await();
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
        Pool p = pool();
        List<Task> tasks = new ArrayList<>(parts - 1);
        for (int i = 1; i < parts; i++) tasks.add(p.submit(claim));
        IN_POOL.set(true);
        try {
            claim.run();
        } finally {
            IN_POOL.set(false);
        }
        for (Task t : tasks) if (!t.withdraw()) t.await();   // one not yet started has nothing left to do
    }

    /**
     * How long an idle thread spins before it sleeps: a pool thread waiting for its next task, or a caller waiting
     * for a pool task to finish. Waking a sleeping thread costs this VM 10-70 µs typically and milliseconds at worst
     * (a parked thread's CPU goes idle and the host must run it again), against products of 0.1-3 ms, and a forward
     * hands work to the pool about 70 times at T = 128; while a thread spins, a hand-off costs well under a
     * microsecond. {@code -Dnci.spinMicros=0} always sleeps at once.
     */
    static final long SPIN_NANOS = Long.getLong("nci.spinMicros", 1000) * 1000;

    /**
     * A task handed to the pool: runs once, unless {@link #withdraw withdrawn} before a thread starts it; {@link #await}
     * returns when it has run (and rethrows what it threw).
     */
    private static final class Task implements Runnable {
        private final Runnable body;
        private final AtomicBoolean started = new AtomicBoolean();
        private volatile boolean done;
        private volatile Thread waiter;
        private Throwable failure;

        Task(Runnable body) { this.body = body; }

        @Override
        public void run() {
            if (!started.compareAndSet(false, true)) return;     // withdrawn
            try {
                body.run();
            } catch (Throwable t) {
                failure = t;
            } finally {
                done = true;                    // then read waiter: one of the two sides sees the other's write
                Thread w = waiter;
                if (w != null) LockSupport.unpark(w);
            }
        }

        /** True if no thread has started the task, which now never runs; false if one has (then {@link #await}). */
        boolean withdraw() { return started.compareAndSet(false, true); }

        void await() {
            for (long start = System.nanoTime(); !done && System.nanoTime() - start < SPIN_NANOS; ) Thread.onSpinWait();
            if (!done) {
                waiter = Thread.currentThread();
                boolean interrupted = false;
                while (!done) {
                    LockSupport.park(this);
                    if (Thread.interrupted()) interrupted = true;
                }
                if (interrupted) Thread.currentThread().interrupt();
            }
            Throwable t = failure;
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error err) throw err;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    /**
     * The worker threads: they take tasks from one queue, spin for {@link #SPIN_NANOS} when it is empty, then park
     * until a submit wakes them. (A JDK thread pool parks its idle threads at once.)
     */
    private static final class Pool {
        private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
        private final Worker[] workers;
        private volatile boolean stopped;

        Pool(int size) {
            workers = new Worker[size];
            for (int i = 0; i < size; i++) {
                workers[i] = new Worker();
                workers[i].thread.start();
            }
        }

        Task submit(Runnable body) {
            Task t = new Task(body);
            queue.offer(t);                     // then read each worker's parked flag (see Worker.loop)
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w.thread);
            return t;
        }

        void shutdown() {
            stopped = true;
            for (Worker w : workers) LockSupport.unpark(w.thread);
        }

        private final class Worker {
            final Thread thread = new Thread(this::loop, "nci-worker");
            volatile boolean parked;

            Worker() { thread.setDaemon(true); }

            private void loop() {
                IN_POOL.set(true);
                long idleSince = System.nanoTime();
                while (!stopped) {
                    Task t = queue.poll();
                    if (t != null) {
                        t.run();
                        idleSince = System.nanoTime();
                    } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;          // then look once more: a submit either sees this or is seen here
                        if (queue.isEmpty() && !stopped) LockSupport.park(this);
                        parked = false;
                        idleSince = System.nanoTime();
                    }
                }
            }
        }
    }
}
