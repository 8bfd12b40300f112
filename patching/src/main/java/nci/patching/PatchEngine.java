package nci.patching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.patching.Node.AttnHead;
import nci.patching.Node.AttnHeads;
import nci.patching.Node.AttnPos;
import nci.patching.Node.AttnResid;
import nci.patching.Node.HeadInput;
import nci.patching.Node.MlpHead;
import nci.patching.Node.MlpPos;
import nci.patching.Node.MlpResid;
import nci.patching.Provenance.Computed;

/**
 * Evaluates path-patching experiments on one GPT-2 model, with the seed's exact recursion
 * (nano-causal-interventions {@code patch/models/gpt2.py}) and a content-addressed cache.
 *
 * <p>A run has two phases. First the seed's top-down recursion is followed symbolically from
 * {@code ln_final}: at every node {@link Branch} is asked whether to split, at every embedding
 * {@link Which} picks the input; the outcome is a graph of operations ({@link Op}) with row keys
 * ({@link Keys}), interned so that equal computations are one, and the provenance tree. Then the final
 * value is materialised ({@code Materialiser}): an operation whose key is in the {@link ActivationCache} is
 * taken from it; one whose first rows are (a prefix of row keys matches) computes only the remaining rows.
 * {@link #runAll} materialises many experiments together: shared values once, and every layer's rows of all
 * experiments in one matrix multiply per weight matrix. Results are bit-identical with the cache off, cold or
 * warm, one experiment at a time or batched.
 *
 * <p>Thread-safe: runs share only the model (read-only) and the cache (synchronised).
 */
public final class PatchEngine {

    private final Gpt2Model model;
    private final ModelDigest digest;
    private final ActivationCache cache;

    /** An engine over {@code model}, computing its {@link ModelDigest} from the weights. */
    public PatchEngine(Gpt2Model model, ActivationCache cache) {
        this(model, ModelDigest.of(model), cache);
    }

    public PatchEngine(Gpt2Model model, ModelDigest digest, ActivationCache cache) {
        if (model == null) throw new IllegalArgumentException("model is null");
        if (digest == null) throw new IllegalArgumentException("model digest is null");
        if (cache == null) throw new IllegalArgumentException("cache is null (use ActivationCache.disabled())");
        this.model = model;
        this.digest = digest;
        this.cache = cache;
    }

    public Gpt2Model model() { return model; }

    public ModelDigest digest() { return digest; }

    public ActivationCache cache() { return cache; }

    /** Runs an experiment: {@code inputs} are token ids of equal length; input k is {@code inputs.get(k)}. */
    public PatchResult run(List<int[]> inputs, Branch branch, Which which) {
        return run(inputs, branch, which, RunOptions.DEFAULT);
    }

    public PatchResult run(List<int[]> inputs, Intervention intervention, RunOptions options) {
        return run(inputs, intervention.branch(), intervention.which(), options);
    }

    public PatchResult run(List<int[]> inputs, Branch branch, Which which, RunOptions options) {
        if (branch == null) throw new IllegalArgumentException("branch is null");
        if (which == null) throw new IllegalArgumentException("which is null");
        return runAll(inputs, List.of(new Intervention(branch, which)), options).getFirst();
    }

    /** A plain forward of one sequence through the engine (no branching). */
    public PatchResult forward(int[] ids, RunOptions options) {
        return run(List.of(ids), Branch.NONE, Which.always(0), options);
    }

    /**
     * Runs many experiments on the same inputs as one batch. Each result is bit for bit the one {@link #run} gives
     * for that experiment alone, but the batch is evaluated together (see {@code Materialiser}): a value shared by
     * several experiments is computed once, and the rows each experiment computes at a layer are stacked with
     * everyone else's into one matrix multiply per weight matrix, instead of streaming every weight matrix once
     * per experiment. Run statistics count as if the experiments had run one after the other, in order.
     *
     * <p>Experiments are taken in order in chunks of about 256 MB of values (bounding memory); the
     * cache carries reuse between chunks. With the cache disabled nothing is shared between experiments: each
     * is evaluated on its own.
     */
    public List<PatchResult> runAll(List<int[]> inputs, List<Intervention> interventions, RunOptions options) {
        return runAll(inputs, interventions, options, BATCH_BYTES);
    }

    /** {@link #runAll} with batches of about {@code batchBytes} of values (tests force several batches). */
    List<PatchResult> runAll(List<int[]> inputs, List<Intervention> interventions, RunOptions options, long batchBytes) {
        if (interventions == null) throw new IllegalArgumentException("interventions is null");
        for (int i = 0; i < interventions.size(); i++)
            if (interventions.get(i) == null) throw new IllegalArgumentException("interventions[" + i + "] is null");
        int[][] in = checkInputs(inputs);
        RunOptions o = options == null ? RunOptions.DEFAULT : options;
        if (o.hiddenFrom() >= in[0].length)
            throw new IllegalArgumentException("hiddenFrom = " + o.hiddenFrom() + ", but the inputs have " + in[0].length
                    + " tokens (rows 0.." + (in[0].length - 1) + ")");
        List<PatchResult> out = new ArrayList<>(interventions.size());
        List<Run> chunk = new ArrayList<>();
        List<List<Op>> roots = new ArrayList<>();
        Map<Derived, Op> derived = new HashMap<>();
        Set<Key> seen = new HashSet<>();
        long bytes = 0;
        for (int i = 0; i < interventions.size(); i++) {
            Intervention iv = interventions.get(i);
            Run run = new Run(in, iv.branch(), iv.which(), o, derived);
            roots.add(run.build());
            chunk.add(run);
            bytes += run.newBytes(seen);
            if (!cache.enabled() || bytes >= batchBytes || i == interventions.size() - 1) {
                out.addAll(evaluate(chunk, roots, in[0].length, o));
                chunk.clear();
                roots.clear();
                seen.clear();
                derived.clear();
                bytes = 0;
            }
        }
        return out;
    }

    /** Values held at once by one batch of {@link #runAll} (a bound on memory, not on the cache). */
    static final long BATCH_BYTES = 256L << 20;

    /** Phase two for a batch of built runs: materialise, then logits (one product for the batch), then results. */
    private List<PatchResult> evaluate(List<Run> runs, List<List<Op>> roots, int T, RunOptions o) {
        Materialiser values = new Materialiser(model, cache, T, o.log());
        List<Op> whole = new ArrayList<>(), finals = new ArrayList<>();
        for (List<Op> r : roots) {                                           // r: the final state, then attention sites
            finals.add(r.getFirst());
            whole.addAll(r.subList(1, r.size()));
        }
        values.materialise(whole, finals, o.hiddenFrom());
        float[][] logits = o.logits() ? logits(runs, values, T) : null;
        List<PatchResult> out = new ArrayList<>(runs.size());
        for (int i = 0; i < runs.size(); i++)
            out.add(runs.get(i).result(values, roots.get(i), logits == null ? null : logits[i]));
        return out;
    }

    /**
     * logits [T, V] per run: the final hidden states of the distinct results stacked, one LM-head product per
     * group of at most {@link #LOGIT_ROWS} rows (instead of one pass over the LM head per run), over the distinct
     * rows of the group ({@link DistinctRows}).
     */
    private float[][] logits(List<Run> runs, Materialiser values, int T) {
        int E = model.config().nEmbd(), V = model.config().vocabSize();
        Map<Key, Integer> index = new LinkedHashMap<>();
        for (Run r : runs) index.putIfAbsent(r.key(), index.size());
        List<Run> distinct = new ArrayList<>(index.size());
        for (Run r : runs) if (index.get(r.key()) == distinct.size()) distinct.add(r);
        float[][] byKey = new float[distinct.size()][];
        int per = Math.max(1, LOGIT_ROWS / T);                              // runs per product
        for (int g = 0; g < distinct.size(); g += per) {
            int n = Math.min(per, distinct.size() - g);
            float[] stacked = new float[n * T * E];                          // [n·T, E]
            for (int j = 0; j < n; j++) System.arraycopy(values.data(distinct.get(g + j).fin()), 0, stacked, j * T * E, T * E);
            DistinctRows d = cache.enabled() ? DistinctRows.of(stacked, n * T, E) : DistinctRows.each(n * T);  // shared prefixes
            float[] all = d.expand(model.logits(d.compact(stacked, E), 0, d.count()), V);   // [n·T, V]
            for (int j = 0; j < n; j++) byKey[g + j] = n == 1 ? all : Arrays.copyOfRange(all, j * T * V, (j + 1) * T * V);
        }
        float[][] out = new float[runs.size()][];
        boolean[] given = new boolean[byKey.length];
        for (int i = 0; i < runs.size(); i++) {                              // every result owns its array
            int k = index.get(runs.get(i).key());
            out[i] = given[k] ? byKey[k].clone() : byKey[k];
            given[k] = true;
        }
        return out;
    }

    /** Rows per batched LM-head product (bounds the [rows, V] logits held twice). */
    static final int LOGIT_ROWS = 256;

    private int[][] checkInputs(List<int[]> inputs) {
        if (inputs == null || inputs.isEmpty()) throw new IllegalArgumentException("inputs: need at least one input");
        Gpt2Config c = model.config();
        int[][] out = new int[inputs.size()][];
        int T = inputs.getFirst() == null ? -1 : inputs.getFirst().length;
        for (int k = 0; k < out.length; k++) {
            int[] ids = inputs.get(k);
            if (ids == null) throw new IllegalArgumentException("inputs[" + k + "] is null");
            if (ids.length == 0) throw new IllegalArgumentException("inputs[" + k + "] is empty");
            if (ids.length != T)
                throw new IllegalArgumentException("inputs[" + k + "] has " + ids.length + " tokens, inputs[0] has " + T
                        + " (all inputs need the same token length)");
            if (T > c.nPositions())
                throw new IllegalArgumentException("inputs[" + k + "] has " + T + " tokens, the model takes at most " + c.nPositions());
            for (int t = 0; t < T; t++)
                if (ids[t] < 0 || ids[t] >= c.vocabSize())
                    throw new IllegalArgumentException("inputs[" + k + "][" + t + "] = " + ids[t] + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            out[k] = ids.clone();
        }
        return out;
    }

    /**
     * A derived operation's identity before its row keys are hashed: (operation, layer, operand keys). An attention
     * whose heads all read one qkv value is (-ATTN, layer, [that key]) rather than 3·H copies of it.
     */
    private record Derived(int op, int layer, List<Key> operands) {}

    /** One experiment: the symbolic recursion ({@link #build}), then its result from materialised values. */
    private final class Run {
        private record Res(Op op, Provenance prov) {}
        private record AttnSite(Op.Attn op, Provenance source) {}

        private final int[][] inputs;
        private final Branch branch;
        private final Which which;
        private final RunOptions options;
        private final Consumer<String> log;
        private final int T, L, H, E;
        private final Keys.Encoder enc = new Keys.Encoder();
        private final byte[] digestBytes = digest.bytes();
        private final Map<Key, Op> intern = new HashMap<>();
        /**
         * (operation, layer, operand keys) → op, shared by the runs of a batch: repeated sub-trees of the recursion,
         * and the clean computations every experiment of a sweep repeats, skip re-hashing their rows.
         */
        private final Map<Derived, Op> derived;
        private final Op.Emb[] embs;
        private final Map<Key, AttnSite> attnSites = new LinkedHashMap<>();
        private Res fin;

        Run(int[][] inputs, Branch branch, Which which, RunOptions options, Map<Derived, Op> derived) {
            this.inputs = inputs;
            this.derived = derived;
            this.branch = branch;
            this.which = which;
            this.options = options;
            this.log = options.log();
            Gpt2Config c = model.config();
            this.T = inputs[0].length;
            this.L = c.nLayer();
            this.H = c.nHead();
            this.E = c.nEmbd();
            this.embs = new Op.Emb[inputs.length];
        }

        /** Phase one: follows the seed's recursion symbolically; returns the values a result needs (see {@link #result}). */
        List<Op> build() {
            fin = lnFinal();
            List<Op> roots = new ArrayList<>();
            roots.add(fin.op());
            if (options.attentions()) for (AttnSite site : attnSites.values()) roots.add(site.op());
            return roots;
        }

        /** Bytes of every value this experiment consists of that {@code seen} does not hold yet (adds them to it). */
        long newBytes(Set<Key> seen) {
            long b = 0;
            for (Op op : intern.values()) {
                if (!seen.add(op.key())) continue;
                b += 4L * T * (op instanceof Op.Qkv ? 3 * E : E) + (op instanceof Op.Attn ? 4L * H * T * T : 0);
            }
            return b;
        }

        /** Phase two done: the result, from the materialised values (logits [T, V] or null). */
        PatchResult result(Materialiser values, List<Op> roots, float[] logits) {
            float[] hidden = values.data(fin.op()).clone();
            List<AttentionPattern> patterns = new ArrayList<>();
            if (options.attentions())
                for (AttnSite site : attnSites.values())
                    patterns.add(new AttentionPattern(site.op().layer(), H, T, site.op().key(), site.source(), values.probs(site.op()).clone()));
            return new PatchResult(T, E, hidden, logits, patterns, fin.prov(), fin.op().key(), values.stats(intern.size(), roots));
        }

        Key key() { return fin.op().key(); }

        Op fin() { return fin.op(); }

        // ------------------------------------------------------------ the seed's recursion (symbolic)

        private Split ask(Path p) {
            Split s = branch.branch(p);
            if (s == null) throw new IllegalStateException("branch returned null for path [" + p + "] (expected a Split)");
            return s;
        }

        private void enter(Path p) { if (log != null) log.accept("enter " + p); }

        private void leave(Path p, Op op) { if (log != null) log.accept("leave " + p + " -> " + op.key().shortHex()); }

        /** ln_final: path [ln_final], then f{L-1}. */
        private Res lnFinal() {
            Path p = Path.of(Node.LN_FINAL);
            enter(p);
            Res f = mlpBlock(p, L - 1);
            Op op = lnf(f.op());
            leave(p, op);
            return new Res(op, new Computed(Node.LN_FINAL, List.of(f.prov())));
        }

        /** The stream entering block n: f{n-1}, or the embeddings for n = 0. */
        private Res stream(Path parent, int n) {
            return n == 0 ? emb(parent) : mlpBlock(parent, n - 1);
        }

        private Res emb(Path parent) {
            Path p = parent.append(Node.EMB);
            int k = which.which(p);
            if (k < 0 || k >= inputs.length)
                throw new IllegalArgumentException("which returned input " + k + " for path [" + p + "], but there are "
                        + inputs.length + " inputs (0.." + (inputs.length - 1) + ")");
            if (log != null) log.accept("enter " + p + " -> input " + k);
            return new Res(embOp(k), new Provenance.Input(k));
        }

        /** fN: split → residual aN with the path minus fN, plus fN.head; else MLP on aN computed with the path. */
        private Res mlpBlock(Path parent, int n) {
            Node.Mlp node = new Node.Mlp(n);
            Path p = parent.append(node);
            enter(p);
            Res out;
            if (ask(p).truthy()) {
                Res resid = attnBlock(parent, n);
                Res head = mlpHead(p, n);
                out = new Res(add(resid.op(), head.op()), new Computed(node, List.of(
                        new Computed(new MlpResid(n), List.of(resid.prov())),
                        new Computed(new MlpHead(n), List.of(head.prov())))));
            } else {
                Res x = attnBlock(p, n);
                out = new Res(add(x.op(), mlp(n, x.op())), new Computed(node, List.of(x.prov())));
            }
            leave(p, out.op());
            return out;
        }

        /** fN.head: "positions" → row P of the MLP input from aN computed under fN.head.posP; else aN once. */
        private Res mlpHead(Path parent, int n) {
            MlpHead node = new MlpHead(n);
            Path p = parent.append(node);
            enter(p);
            Res out;
            if (ask(p) == Split.POSITIONS) {
                Op[] rows = new Op[T];
                List<Provenance> kids = new ArrayList<>(T);
                for (int pos = 0; pos < T; pos++) {
                    MlpPos pn = new MlpPos(n, pos);
                    Res r = attnBlock(p.append(pn), n);
                    rows[pos] = r.op();
                    kids.add(new Computed(pn, List.of(r.prov())));
                }
                out = new Res(mlp(n, mix(rows)), new Computed(node, kids));
            } else {
                Res x = attnBlock(p, n);
                out = new Res(mlp(n, x.op()), new Computed(node, List.of(x.prov())));
            }
            leave(p, out.op());
            return out;
        }

        /** aN: split → residual stream with the path minus aN, plus aN.head; else attention on the stream computed with the path. */
        private Res attnBlock(Path parent, int n) {
            Node.Attn node = new Node.Attn(n);
            Path p = parent.append(node);
            enter(p);
            Res out;
            if (ask(p).truthy()) {
                Res resid = stream(parent, n);
                Res head = attnHeads(p, n);
                out = new Res(add(resid.op(), head.op()), new Computed(node, List.of(
                        new Computed(new AttnResid(n), List.of(resid.prov())),
                        new Computed(new AttnHeads(n), List.of(head.prov())))));
            } else {
                Res x = stream(p, n);
                Op.Qkv qkv = qkv(n, x.op());
                Op.Attn a = attn(n, fill(qkv), fill(qkv), fill(qkv), new Computed(new AttnHeads(n), List.of(x.prov())));
                out = new Res(add(x.op(), a), new Computed(node, List.of(x.prov())));
            }
            leave(p, out.op());
            return out;
        }

        /** aN.head: heads (each head's input, or q/k/v inputs, separately), positions, or one input. */
        private Res attnHeads(Path parent, int n) {
            AttnHeads node = new AttnHeads(n);
            Path p = parent.append(node);
            enter(p);
            Split s = ask(p);
            Op.Attn a;
            Provenance prov;
            if (s == Split.SPLIT || s == Split.HEADS) {
                Op.Qkv[] q = new Op.Qkv[H], k = new Op.Qkv[H], v = new Op.Qkv[H];
                List<Provenance> kids = new ArrayList<>(H);
                for (int h = 0; h < H; h++) {
                    AttnHead hn = new AttnHead(n, h);
                    Path ph = p.append(hn);
                    if (ask(ph).truthy()) {
                        Res rq = stream(ph.append(new HeadInput(n, h, Node.Qkv.Q)), n);
                        Res rk = stream(ph.append(new HeadInput(n, h, Node.Qkv.K)), n);
                        Res rv = stream(ph.append(new HeadInput(n, h, Node.Qkv.V)), n);
                        q[h] = qkv(n, rq.op());
                        k[h] = qkv(n, rk.op());
                        v[h] = qkv(n, rv.op());
                        kids.add(new Computed(hn, List.of(rq.prov(), rk.prov(), rv.prov())));
                    } else {
                        Res x = stream(ph, n);
                        q[h] = k[h] = v[h] = qkv(n, x.op());
                        kids.add(new Computed(hn, List.of(x.prov())));
                    }
                }
                prov = new Computed(node, kids);
                a = attn(n, q, k, v, prov);
            } else if (s == Split.POSITIONS) {
                Op[] rows = new Op[T];
                List<Provenance> kids = new ArrayList<>(T);
                for (int pos = 0; pos < T; pos++) {
                    AttnPos pn = new AttnPos(n, pos);
                    Res r = stream(p.append(pn), n);
                    rows[pos] = r.op();
                    kids.add(new Computed(pn, List.of(r.prov())));
                }
                prov = new Computed(node, kids);
                Op.Qkv qkv = qkv(n, mix(rows));
                a = attn(n, fill(qkv), fill(qkv), fill(qkv), prov);
            } else {
                Res x = stream(p, n);
                prov = new Computed(node, List.of(x.prov()));
                Op.Qkv qkv = qkv(n, x.op());
                a = attn(n, fill(qkv), fill(qkv), fill(qkv), prov);
            }
            leave(p, a);
            return new Res(a, prov);
        }

        private Op.Qkv[] fill(Op.Qkv q) {
            Op.Qkv[] a = new Op.Qkv[H];
            java.util.Arrays.fill(a, q);
            return a;
        }

        // ------------------------------------------------------------ operations: keys and interning

        private Op.Emb embOp(int k) {
            Op.Emb e = embs[k];
            if (e != null) return e;
            int[] ids = inputs[k];
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) {
                enc.begin(Keys.EMB).putBytes(digestBytes).putInt(t).putInt(ids[t]);
                if (t > 0) enc.putKey(rows[t - 1]);
                rows[t] = enc.finish();
            }
            Op existing = intern.get(rows[T - 1]);
            e = existing instanceof Op.Emb ex ? ex : new Op.Emb(k, ids, rows);
            intern.putIfAbsent(rows[T - 1], e);
            embs[k] = e;
            return e;
        }

        /** The op derived before (by this run or another of the batch), now also one of this run's values; or null. */
        private Op known(Derived d) {
            Op op = derived.get(d);
            if (op != null) intern.putIfAbsent(op.key(), op);
            return op;
        }

        private Op.Qkv qkv(int layer, Op in) {
            Derived d = new Derived(Keys.QKV, layer, List.of(in.key()));
            Op known = known(d);
            if (known != null) return (Op.Qkv) known;
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) rows[t] = enc.begin(Keys.QKV).putInt(layer).putKey(in.rows()[t]).finish();
            Op.Qkv op = (Op.Qkv) intern.computeIfAbsent(rows[T - 1], key -> new Op.Qkv(layer, in, rows));
            derived.put(d, op);
            return op;
        }

        private Op.Attn attn(int layer, Op.Qkv[] q, Op.Qkv[] k, Op.Qkv[] v, Provenance source) {
            Key one = q[0].key();
            boolean uniform = true;                       // every head reads one qkv (no head split): one operand
            for (int h = 0; h < H && uniform; h++) uniform = q[h].key().equals(one) && k[h].key().equals(one) && v[h].key().equals(one);
            List<Key> operands;
            if (uniform) operands = List.of(one);
            else {
                operands = new ArrayList<>(3 * H);
                for (int h = 0; h < H; h++) { operands.add(q[h].key()); operands.add(k[h].key()); operands.add(v[h].key()); }
            }
            Derived d = new Derived(uniform ? -Keys.ATTN : Keys.ATTN, layer, operands);
            Op known = known(d);
            if (known != null) {
                attnSites.putIfAbsent(known.key(), new AttnSite((Op.Attn) known, source));
                return (Op.Attn) known;
            }
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) {
                enc.begin(Keys.ATTN).putInt(layer).putInt(H);
                for (int h = 0; h < H; h++) enc.putKey(q[h].rows()[t]).putKey(k[h].rows()[t]).putKey(v[h].rows()[t]);
                rows[t] = enc.finish();
            }
            Op.Attn a = (Op.Attn) intern.computeIfAbsent(rows[T - 1], key -> new Op.Attn(layer, q, k, v, rows));
            attnSites.putIfAbsent(a.key(), new AttnSite(a, source));
            derived.put(d, a);
            return a;
        }

        private Op mlp(int layer, Op in) {
            Derived d = new Derived(Keys.MLP, layer, List.of(in.key()));
            Op known = known(d);
            if (known != null) return known;
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) rows[t] = enc.begin(Keys.MLP).putInt(layer).putKey(in.rows()[t]).finish();
            Op op = intern.computeIfAbsent(rows[T - 1], key -> new Op.Mlp(layer, in, rows));
            derived.put(d, op);
            return op;
        }

        private Op add(Op a, Op b) {
            Derived d = new Derived(Keys.ADD, -1, List.of(a.key(), b.key()));
            Op known = known(d);
            if (known != null) return known;
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) rows[t] = enc.begin(Keys.ADD).putKey(a.rows()[t]).putKey(b.rows()[t]).finish();
            Op op = intern.computeIfAbsent(rows[T - 1], key -> new Op.Add(a, b, rows));
            derived.put(d, op);
            return op;
        }

        private Op lnf(Op in) {
            Derived d = new Derived(Keys.LNF, -1, List.of(in.key()));
            Op known = known(d);
            if (known != null) return known;
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) rows[t] = enc.begin(Keys.LNF).putKey(in.rows()[t]).finish();
            Op op = intern.computeIfAbsent(rows[T - 1], key -> new Op.LnF(in, rows));
            derived.put(d, op);
            return op;
        }

        /** Row t from perRow[t]; see {@link Keys} for why an unmixed prefix keeps the source's keys. */
        private Op mix(Op[] perRow) {
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) {
                Key[] src = perRow[t].rows();
                if (t == 0 || rows[t - 1].equals(src[t - 1])) rows[t] = src[t];
                else rows[t] = enc.begin(Keys.MIX).putKey(rows[t - 1]).putKey(src[t]).finish();
            }
            return intern.computeIfAbsent(rows[T - 1], key -> new Op.Mix(perRow.clone(), rows));
        }
    }
}
