package nci.patching;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Content-addressed store of computed values (qkv, attention, MLP outputs), shared across experiments,
 * threads and engines: a key commits to the model, the input tokens and every operation applied (see
 * {@link Keys}), so a value found here is the value that would be computed.
 *
 * <p>Two ways in: by a value's key (the whole value), or by any of its row keys (rows 0..t of a value
 * whose row key t matches; the engine then computes only the rows after it). Entries are evicted least
 * recently used once their bytes exceed the budget; a budget of 0 disables the cache. Stored arrays are
 * never modified (by the engine or by this class). All methods are thread-safe.
 */
public final class ActivationCache {

    /** Counters since creation (or {@link #clear}). {@code partialHits}: lookups served by a row prefix. */
    public record Stats(long entries, long hits, long partialHits, long misses, long stores, long evictions,
                        long bytes, long budgetBytes) {
        @Override
        public String toString() {
            return String.format("entries=%d hits=%d partialHits=%d misses=%d stores=%d evictions=%d bytes=%d budget=%d",
                    entries, hits, partialHits, misses, stores, evictions, bytes, budgetBytes);
        }
    }

    /** One stored value: data [T, width]; probs [H, T, T] for attention values, else null. */
    record Entry(Key key, Key[] rowKeys, int width, float[] data, float[] probs, long bytes) {
        int rows() { return rowKeys.length; }
    }

    /** Rows 0..row of {@code entry} equal rows 0..row of the value being looked up. */
    record RowHit(Entry entry, int row) {}

    private final long budget;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<Key, RowHit> rowIndex = new HashMap<>();
    private long bytes, hits, partialHits, misses, stores, evictions;

    /** @param budgetBytes memory budget in bytes for the stored tensors; 0 disables caching */
    public ActivationCache(long budgetBytes) {
        if (budgetBytes < 0) throw new IllegalArgumentException("cache budget must be >= 0 bytes, got " + budgetBytes);
        this.budget = budgetBytes;
    }

    /** A cache that stores nothing: every experiment computes everything it needs. */
    public static ActivationCache disabled() { return new ActivationCache(0); }

    public boolean enabled() { return budget > 0; }

    public long budgetBytes() { return budget; }

    public synchronized Stats stats() {
        return new Stats(entries.size(), hits, partialHits, misses, stores, evictions, bytes, budget);
    }

    public synchronized void clear() {
        entries.clear();
        rowIndex.clear();
        bytes = hits = partialHits = misses = stores = evictions = 0;
    }

    /** The whole value with this key, or null. Counts a hit or (when enabled) nothing: misses are counted by {@link #prefix}. */
    synchronized Entry get(Key key) {
        if (!enabled()) return null;
        Entry e = entries.get(key);
        if (e != null) hits++;
        return e;
    }

    /**
     * The longest cached prefix of a value with these row keys (searched from the last row down), or null
     * when not even row 0 is cached. Counts a partial hit or a miss.
     */
    synchronized RowHit prefix(Key[] rowKeys) {
        if (!enabled()) return null;
        for (int t = rowKeys.length - 1; t >= 0; t--) {
            RowHit h = rowIndex.get(rowKeys[t]);
            if (h != null && h.row() == t) {
                entries.get(h.entry().key());         // LRU touch
                partialHits++;
                return h;
            }
        }
        misses++;
        return null;
    }

    /** Stores a value (arrays are kept, not copied: the caller must never modify them). */
    synchronized void put(Key[] rowKeys, int width, float[] data, float[] probs) {
        if (!enabled()) return;
        Key key = rowKeys[rowKeys.length - 1];
        if (entries.containsKey(key)) return;
        long size = 4L * data.length + (probs == null ? 0 : 4L * probs.length) + 96L * rowKeys.length + 160;
        if (size > budget) return;
        Entry e = new Entry(key, rowKeys.clone(), width, data, probs, size);
        entries.put(key, e);
        for (int t = 0; t < rowKeys.length; t++) rowIndex.putIfAbsent(rowKeys[t], new RowHit(e, t));
        bytes += size;
        stores++;
        Iterator<Entry> it = entries.values().iterator();
        while (bytes > budget && it.hasNext()) {
            Entry old = it.next();
            if (old == e) continue;
            it.remove();
            for (Key rk : old.rowKeys()) {
                RowHit h = rowIndex.get(rk);
                if (h != null && h.entry() == old) rowIndex.remove(rk);
            }
            bytes -= old.bytes();
            evictions++;
        }
    }
}
