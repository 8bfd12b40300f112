package nci.patching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.tensor.Parallel;
import nci.tensor.VecOps;

/**
 * Computes the values of the operation graphs of one or more experiments together (the second phase of
 * {@link PatchEngine}), layer-synchronously and in large matrix multiplies.
 *
 * <h2>Schedule</h2>
 * <ol>
 * <li><b>Discover</b>: walk every graph from its roots, once per content key (experiments that share a value
 *     share it here). A cacheable value (qkv, attention, MLP) found whole in the {@link ActivationCache} is a
 *     leaf; otherwise it is pending and its inputs are walked.</li>
 * <li><b>Stages</b>: pending values are grouped by stage (layer, then qkv &lt; attention &lt; MLP). A value of
 *     one stage reads only values of earlier stages (through glue: embeddings, residual adds, position mixes),
 *     so stages run in order and every value of a stage is ready when the stage starts.</li>
 * <li><b>Rows</b>: for each value of a stage, rows 0..c-1 come from the longest cached prefix (row keys, see
 *     {@link Keys}); then rows whose row key an earlier value of the same stage computes are shared (equal row
 *     key t means equal rows 0..t, so shared rows are a prefix too); the remaining rows r..T-1 are computed.</li>
 * <li><b>Batch</b>: the rows to compute of all values of the stage are stacked into one [M, E] matrix and each
 *     weight matrix of the stage is applied once ({@link RowKernels}): one c_attn GEMM per layer, one c_proj,
 *     one c_fc and one MLP c_proj. At small M a GEMM streams its whole weight matrix from memory for a few rows;
 *     stacking the rows of every experiment makes it compute-bound. Attention itself (the only kernel that
 *     reads other rows) runs per value, in parallel over values.</li>
 * </ol>
 * Bit-identity: every row goes through the same kernels in the same order as in a plain forward, and each GEMM
 * output element is the same whatever rows share the call, so values are bit-identical to computing each
 * experiment alone, with the cache off, cold or warm.
 *
 * <p>Not thread-safe: one materialiser per batch, on one thread (kernels parallelise inside).
 */
final class Materialiser {

    /**
     * How a cacheable value was obtained: whole from the cache, or computed with rows 0..reused-1 reused and the
     * next {@code skipped} rows left out (no root needs them; see {@link #materialise(List, List, int)}).
     */
    record Outcome(boolean cacheHit, int reused, int skipped) {}

    /** Row {@code row} of pending value {@code value} of a stage is computed there. */
    private record RowSource(int value, int row) {}

    private final Gpt2Model model;
    private final Gpt2Config config;
    private final ActivationCache cache;
    private final Consumer<String> log;
    private final int T, E, H;
    private final Map<Key, float[]> values = new HashMap<>();
    private final Map<Key, float[]> probs = new HashMap<>();
    private final Map<Key, Outcome> outcomes = new HashMap<>();
    /** Computed values already attributed to an experiment's statistics (see {@link #stats}). */
    private final Set<Key> claimed = new HashSet<>();

    Materialiser(Gpt2Model model, ActivationCache cache, int T, Consumer<String> log) {
        this.model = model;
        this.config = model.config();
        this.cache = cache;
        this.log = log;
        this.T = T;
        this.E = config.nEmbd();
        this.H = config.nHead();
    }

    // ------------------------------------------------------------ schedule

    /** Computes every value the roots need (roots: values whose data will be asked for, every row of them). */
    void materialise(List<? extends Op> roots) {
        materialise(roots, List.of(), 0);
    }

    /**
     * Computes every value the roots need, where of {@code partRoots} only rows {@code partFrom}.. will be read: the
     * rows before that no root needs are left out (they hold NaN) wherever that saves work. That is the final
     * layer's attention projection and MLP (and the rows of ln_f, adds and position mixes over them): causal
     * attention needs every row of its keys and values, so every layer below the last is computed whole. A value
     * with rows left out is not stored in the cache.
     */
    void materialise(List<? extends Op> roots, List<? extends Op> partRoots, int partFrom) {
        List<Op> pending = new ArrayList<>();
        Set<Key> seen = new HashSet<>();
        for (Op root : roots) discover(root, seen, pending);
        for (Op root : partRoots) discover(root, seen, pending);
        for (Op root : roots) demand(root, 0);
        for (Op root : partRoots) demand(root, partFrom);
        pending.sort(Comparator.comparingInt(Materialiser::stage));          // stable: discovery order within a stage
        int i = 0;
        while (i < pending.size()) {
            int s = stage(pending.get(i)), j = i;
            while (j < pending.size() && stage(pending.get(j)) == s) j++;
            computeStage(pending.subList(i, j));
            i = j;
        }
    }

    /** layer·3 + (0 qkv, 1 attention, 2 MLP): a value reads only values of lower stages. */
    private static int stage(Op op) {
        return switch (op) {
            case Op.Qkv q -> 3 * q.layer();
            case Op.Attn a -> 3 * a.layer() + 1;
            case Op.Mlp m -> 3 * m.layer() + 2;
            default -> throw new IllegalStateException("not a cacheable operation: " + op.getClass().getSimpleName());
        };
    }

    private void discover(Op op, Set<Key> seen, List<Op> pending) {
        Key key = op.key();
        if (values.containsKey(key) || !seen.add(key)) return;
        switch (op) {
            case Op.Emb e -> { }
            case Op.Add a -> { discover(a.a(), seen, pending); discover(a.b(), seen, pending); }
            case Op.Mix m -> { for (Op r : m.perRow()) discover(r, seen, pending); }
            case Op.LnF l -> discover(l.in(), seen, pending);
            case Op.Qkv q -> { if (!fromCache(op)) { pending.add(op); discover(q.in(), seen, pending); } }
            case Op.Mlp m -> { if (!fromCache(op)) { pending.add(op); discover(m.in(), seen, pending); } }
            case Op.Attn a -> {
                if (!fromCache(op)) {
                    pending.add(op);
                    for (int h = 0; h < H; h++) {
                        discover(a.q()[h], seen, pending);
                        discover(a.k()[h], seen, pending);
                        discover(a.v()[h], seen, pending);
                    }
                }
            }
        }
    }

    /** First row needed of each value to compute (rows first.. are read by some root); absent: none needed. */
    private final Map<Key, Integer> needFrom = new HashMap<>();

    /**
     * Rows first.. of op are needed: so are rows first.. of a row-wise operation's input, of an attention's queries
     * and of a position mix's sources for rows first.., and every row of an attention's keys and values. (Row t of
     * a mix reads only row t of its source; asking for rows first.. of each keeps a whole-value demand whole.)
     */
    private void demand(Op op, int first) {
        Key key = op.key();
        if (outcomes.containsKey(key)) return;                               // from the cache: whole
        Integer had = needFrom.get(key);
        if (had != null && had <= first) return;
        needFrom.put(key, first);
        switch (op) {
            case Op.Emb e -> { }
            case Op.Add a -> { demand(a.a(), first); demand(a.b(), first); }
            case Op.Mix m -> { for (int t = first; t < T; t++) demand(m.perRow()[t], first); }
            case Op.LnF l -> demand(l.in(), first);
            case Op.Qkv q -> demand(q.in(), first);
            case Op.Mlp m -> demand(m.in(), first);
            case Op.Attn a -> {                      // keys and values first: a qkv read whole is not walked twice
                for (int h = 0; h < H; h++) {
                    demand(a.k()[h], 0);
                    demand(a.v()[h], 0);
                }
                for (int h = 0; h < H; h++) demand(a.q()[h], first);
            }
        }
    }

    /** Takes the whole value from the cache if it is there. */
    private boolean fromCache(Op op) {
        Key key = op.key();
        ActivationCache.Entry hit = cache.get(key);
        if (hit == null) return false;
        if (log != null) log.accept("cache hit " + key.hex() + " " + describe(op));
        values.put(key, hit.data());
        if (op instanceof Op.Attn) probs.put(key, hit.probs());
        outcomes.put(key, new Outcome(true, T, 0));
        return true;
    }

    // ------------------------------------------------------------ one stage, batched

    private void computeStage(List<Op> ops) {
        int n = ops.size();
        Op first = ops.getFirst();
        boolean attention = first instanceof Op.Attn;
        int width = first instanceof Op.Qkv ? 3 * E : E;
        float[][] out = new float[n][];
        float[][] pr = new float[n][];
        int[] cached = new int[n], from = new int[n], lo = new int[n];       // rows lo.. are computed here
        Map<Key, RowSource> computedHere = new HashMap<>();
        int M = 0;
        for (int i = 0; i < n; i++) {
            Op op = ops.get(i);
            Key[] rows = op.rows();
            out[i] = new float[T * width];
            pr[i] = attention ? new float[H * T * T] : null;
            ActivationCache.RowHit prefix = cache.prefix(rows);
            int c = prefix == null ? 0 : prefix.row() + 1;
            if (prefix != null) {
                copyPrefix(prefix.entry(), c, width, out[i], pr[i]);
                if (log != null) log.accept("cache hit rows 0.." + (c - 1) + " " + rows[c - 1].hex() + " " + describe(op));
            }
            int r = c;
            while (r < T && computedHere.containsKey(rows[r])) r++;
            Integer need = needFrom.get(op.key());
            int l = Math.max(r, need == null ? T : need);
            for (int t = l; t < T; t++) computedHere.putIfAbsent(rows[t], new RowSource(i, t));
            cached[i] = c;
            from[i] = r;
            lo[i] = l;
            M += T - l;
        }
        if (M > 0) {
            switch (first) {
                case Op.Qkv q -> rowWise(ops, lo, M, out, width, true);
                case Op.Mlp m -> rowWise(ops, lo, M, out, width, false);
                case Op.Attn a -> attention(ops, lo, M, out, pr);
                default -> throw new IllegalStateException("not a cacheable operation: " + first.getClass().getSimpleName());
            }
        }
        for (int i = 0; i < n; i++) {
            Op op = ops.get(i);
            Key[] rows = op.rows();
            for (int t = cached[i]; t < from[i]; t++) {                      // rows computed by another value of this stage
                RowSource src = computedHere.get(rows[t]);
                System.arraycopy(out[src.value()], t * width, out[i], t * width, width);
                if (attention)
                    for (int h = 0; h < H; h++)
                        System.arraycopy(pr[src.value()], (h * T + t) * T, pr[i], (h * T + t) * T, t + 1);
            }
            if (log != null && from[i] > cached[i])
                log.accept("shared rows " + cached[i] + ".." + (from[i] - 1) + " " + rows[from[i] - 1].hex() + " " + describe(op));
            if (lo[i] > from[i]) {                                           // rows no root reads: NaN, never numbers
                Arrays.fill(out[i], from[i] * width, lo[i] * width, Float.NaN);
                if (attention)
                    for (int h = 0; h < H; h++) Arrays.fill(pr[i], (h * T + from[i]) * T, (h * T + lo[i]) * T, Float.NaN);
                if (log != null) log.accept("rows " + from[i] + ".." + (lo[i] - 1) + " not needed " + describe(op));
            }
            Key key = op.key();
            values.put(key, out[i]);
            if (attention) probs.put(key, pr[i]);
            outcomes.put(key, new Outcome(false, from[i], lo[i] - from[i]));
            if (cache.enabled() && lo[i] == from[i]) {
                cache.put(rows, width, out[i], pr[i]);
                if (log != null) log.accept("cache store " + key.hex() + " " + describe(op) + " rows " + from[i] + ".." + (T - 1) + " computed");
            }
        }
    }

    /** Rows 0..c-1 (and their attention rows) from a cached value, which may have more rows than T. */
    private void copyPrefix(ActivationCache.Entry e, int c, int width, float[] out, float[] pr) {
        System.arraycopy(e.data(), 0, out, 0, c * width);
        if (pr != null) {
            int T2 = e.rows();
            for (int h = 0; h < H; h++)
                for (int t = 0; t < c; t++)
                    System.arraycopy(e.probs(), (h * T2 + t) * T2, pr, (h * T + t) * T, t + 1);
        }
    }

    /**
     * qkv or MLP of one layer: input rows from.. of every value stacked [M, E], one pass over the distinct ones
     * ({@link DistinctRows}: rows equal bit for bit give equal outputs, so each is computed once; not with the cache
     * off, where nothing is shared), scattered back.
     */
    private void rowWise(List<Op> ops, int[] from, int M, float[][] out, int width, boolean qkv) {
        float[] x = new float[M * E];                                        // [M, E]
        int j = 0;
        for (int i = 0; i < ops.size(); i++) {
            int rows = T - from[i];
            if (rows == 0) continue;
            Op in = qkv ? ((Op.Qkv) ops.get(i)).in() : ((Op.Mlp) ops.get(i)).in();
            System.arraycopy(data(in), from[i] * E, x, j * E, rows * E);
            j += rows;
        }
        DistinctRows d = cache.enabled() ? DistinctRows.of(x, M, E) : DistinctRows.each(M);   // equal rows computed once
        int U = d.count();
        if (log != null && U < M) log.accept("equal rows: " + (M - U) + " of " + M + " input rows repeat another, " + U + " computed"
                + " (" + describe(ops.getFirst()) + ")");
        float[] y = new float[U * width];                                    // [U, width]
        int layer = qkv ? ((Op.Qkv) ops.getFirst()).layer() : ((Op.Mlp) ops.getFirst()).layer();
        float[] xu = d.compact(x, E);                                        // [U, E]
        if (qkv) RowKernels.qkv(model, layer, xu, U, y);
        else RowKernels.mlp(model, layer, xu, U, y);
        for (int i = 0, s = 0; i < ops.size(); i++)                          // stacked row s to row t of value i
            for (int t = from[i]; t < T; t++, s++) System.arraycopy(y, d.of(s) * width, out[i], t * width, width);
    }

    /** Attention of one layer: heads per value (in parallel), merged rows stacked [M, E], one c_proj. */
    private void attention(List<Op> ops, int[] from, int M, float[][] out, float[][] pr) {
        int n = ops.size();
        float[][][] q = new float[n][][], k = new float[n][][], v = new float[n][][];
        for (int i = 0; i < n; i++) {                                        // inputs first: data() is not thread-safe
            if (from[i] == T) continue;
            Op.Attn a = (Op.Attn) ops.get(i);
            q[i] = new float[H][];
            k[i] = new float[H][];
            v[i] = new float[H][];
            for (int h = 0; h < H; h++) {
                q[i][h] = data(a.q()[h]);
                k[i][h] = data(a.k()[h]);
                v[i][h] = data(a.v()[h]);
            }
        }
        int[] at = new int[n];                                               // first stacked row of value i
        for (int i = 0, j = 0; i < n; i++) { at[i] = j; j += T - from[i]; }
        float[] merged = new float[M * E];                                   // [M, E]
        Parallel.forRange(n, 1, (s, e) -> {
            float[] one = new float[T * E];                                  // [T, E] of one value; rows from.. written
            for (int i = s; i < e; i++) {
                if (from[i] == T) continue;
                RowKernels.heads(config, T, from[i], q[i], k[i], v[i], one, pr[i]);
                System.arraycopy(one, from[i] * E, merged, at[i] * E, (T - from[i]) * E);
            }
        });
        float[] y = new float[M * E];
        RowKernels.attnProj(model, ((Op.Attn) ops.getFirst()).layer(), merged, M, y);
        scatter(y, from, out, E);
    }

    /** Stacked rows y [M, width] back to rows from.. of each value. */
    private void scatter(float[] y, int[] from, float[][] out, int width) {
        for (int i = 0, j = 0; i < out.length; i++) {
            int rows = T - from[i];
            System.arraycopy(y, j * width, out[i], from[i] * width, rows * width);
            j += rows;
        }
    }

    // ------------------------------------------------------------ values

    /** The value of op (computing glue on demand; cacheable values must have been materialised). Never modify it. */
    float[] data(Op op) {
        Key key = op.key();
        float[] d = values.get(key);
        if (d != null) return d;
        d = switch (op) {
            case Op.Emb e -> model.embed(e.ids());
            case Op.Add a -> {
                float[] x = data(a.a()), y = data(a.b());
                float[] o = new float[T * E];
                VecOps.add(x, 0, y, 0, o, 0, T * E);
                yield o;
            }
            case Op.Mix m -> {
                float[] o = new float[T * E];
                for (int t = 0; t < T; t++) System.arraycopy(data(m.perRow()[t]), t * E, o, t * E, E);
                yield o;
            }
            case Op.LnF l -> {
                float[] o = new float[T * E];
                RowKernels.lnFinal(model, data(l.in()), T, o);
                yield o;
            }
            case Op.Qkv q -> throw notMaterialised(op);
            case Op.Mlp m -> throw notMaterialised(op);
            case Op.Attn a -> throw notMaterialised(op);
        };
        values.put(key, d);
        return d;
    }

    /** Attention pattern [H, T, T] of a materialised attention value. Never modify it. */
    float[] probs(Op.Attn op) {
        float[] p = probs.get(op.key());
        if (p == null) throw notMaterialised(op);
        return p;
    }

    private IllegalStateException notMaterialised(Op op) {
        return new IllegalStateException(describe(op) + " " + op.key().hex() + " was not materialised (not reachable from the roots)");
    }

    // ------------------------------------------------------------ per-experiment statistics

    /**
     * Statistics of one experiment of the batch, as if the batch's experiments had run one after the other in the
     * order this is called: a value computed here counts as computed for the first experiment that reaches it
     * and as a cache hit for later ones; nothing below a hit is visited (as sequential evaluation would not).
     */
    PatchResult.RunStats stats(int values, List<? extends Op> roots) {
        long[] c = new long[5];                   // computed, cacheHits, partialHits, rowsComputed, rowsReused
        Set<Key> visited = new HashSet<>();
        for (Op root : roots) visit(root, visited, c);
        return new PatchResult.RunStats(values, (int) c[0], (int) c[1], (int) c[2], c[3], c[4]);
    }

    private void visit(Op op, Set<Key> visited, long[] c) {
        if (!visited.add(op.key())) return;
        switch (op) {
            case Op.Emb e -> { }
            case Op.Add a -> { visit(a.a(), visited, c); visit(a.b(), visited, c); }
            case Op.Mix m -> { for (Op r : m.perRow()) visit(r, visited, c); }
            case Op.LnF l -> visit(l.in(), visited, c);
            case Op.Qkv q -> { if (count(op, c)) visit(q.in(), visited, c); }
            case Op.Mlp m -> { if (count(op, c)) visit(m.in(), visited, c); }
            case Op.Attn a -> {
                if (count(op, c))
                    for (int h = 0; h < H; h++) { visit(a.q()[h], visited, c); visit(a.k()[h], visited, c); visit(a.v()[h], visited, c); }
            }
        }
    }

    /** Counts a cacheable value; true if it was computed for this experiment (so its inputs were needed). */
    private boolean count(Op op, long[] c) {
        Outcome o = outcomes.get(op.key());
        if (o == null) throw notMaterialised(op);
        if (o.cacheHit() || !claimed.add(op.key())) {
            c[1]++;
            c[4] += T;
            return false;
        }
        c[0]++;
        if (o.reused() > 0) c[2]++;
        c[3] += T - o.reused() - o.skipped();
        c[4] += o.reused();
        return true;
    }

    static String describe(Op op) {
        return switch (op) {
            case Op.Qkv q -> "qkv(layer " + q.layer() + ")";
            case Op.Mlp m -> "mlp(layer " + m.layer() + ")";
            case Op.Attn a -> "attn(layer " + a.layer() + ")";
            default -> op.getClass().getSimpleName();
        };
    }
}
