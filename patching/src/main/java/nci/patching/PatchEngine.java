package nci.patching;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * value is materialised: an operation whose key is in the {@link ActivationCache} is taken from it; one
 * whose first rows are (a prefix of row keys matches) computes only the remaining rows. Results are
 * bit-identical with the cache off, cold or warm.
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
        return new Run(checkInputs(inputs), branch, which, options == null ? RunOptions.DEFAULT : options).execute();
    }

    /** A plain forward of one sequence through the engine (no branching). */
    public PatchResult forward(int[] ids, RunOptions options) {
        return run(List.of(ids), Branch.NONE, Which.always(0), options);
    }

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

    /** One experiment: the symbolic recursion, then materialisation. */
    private final class Run {
        private record Res(Op op, Provenance prov) {}
        private record AttnSite(Op.Attn op, Provenance source) {}
        private record Derived(int op, int layer, List<Key> operands) {}

        private final int[][] inputs;
        private final Branch branch;
        private final Which which;
        private final RunOptions options;
        private final Consumer<String> log;
        private final int T, L, H, E;
        private final Keys.Encoder enc = new Keys.Encoder();
        private final byte[] digestBytes = digest.bytes();
        private final Map<Key, Op> intern = new HashMap<>();
        /** (operation, layer, operand keys) → op: repeated sub-trees of the recursion skip re-hashing their rows. */
        private final Map<Derived, Op> derived = new HashMap<>();
        private final Op.Emb[] embs;
        private final Map<Key, float[]> memo = new HashMap<>();
        private final Map<Key, float[]> probsMemo = new HashMap<>();
        private final Map<Key, AttnSite> attnSites = new LinkedHashMap<>();
        private int computed, cacheHits, partialHits;
        private long rowsComputed, rowsReused;

        Run(int[][] inputs, Branch branch, Which which, RunOptions options) {
            this.inputs = inputs;
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

        PatchResult execute() {
            Res fin = lnFinal();
            float[] hidden = data(fin.op()).clone();
            float[] logits = options.logits() ? model.logits(hidden, 0, T) : null;
            List<AttentionPattern> patterns = new ArrayList<>();
            if (options.attentions()) {
                for (AttnSite site : attnSites.values()) {
                    Key k = site.op().key();
                    if (!probsMemo.containsKey(k)) data(site.op());
                    patterns.add(new AttentionPattern(site.op().layer(), H, T, k, site.source(), probsMemo.get(k).clone()));
                }
            }
            return new PatchResult(T, E, hidden, logits, patterns, fin.prov(), fin.op().key(),
                    new PatchResult.RunStats(intern.size(), computed, cacheHits, partialHits, rowsComputed, rowsReused));
        }

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

        private Op.Qkv qkv(int layer, Op in) {
            Derived d = new Derived(Keys.QKV, layer, List.of(in.key()));
            Op known = derived.get(d);
            if (known != null) return (Op.Qkv) known;
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) rows[t] = enc.begin(Keys.QKV).putInt(layer).putKey(in.rows()[t]).finish();
            Op.Qkv op = (Op.Qkv) intern.computeIfAbsent(rows[T - 1], key -> new Op.Qkv(layer, in, rows));
            derived.put(d, op);
            return op;
        }

        private Op.Attn attn(int layer, Op.Qkv[] q, Op.Qkv[] k, Op.Qkv[] v, Provenance source) {
            List<Key> operands = new ArrayList<>(3 * H);
            for (int h = 0; h < H; h++) { operands.add(q[h].key()); operands.add(k[h].key()); operands.add(v[h].key()); }
            Derived d = new Derived(Keys.ATTN, layer, operands);
            Op known = derived.get(d);
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
            Op known = derived.get(d);
            if (known != null) return known;
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) rows[t] = enc.begin(Keys.MLP).putInt(layer).putKey(in.rows()[t]).finish();
            Op op = intern.computeIfAbsent(rows[T - 1], key -> new Op.Mlp(layer, in, rows));
            derived.put(d, op);
            return op;
        }

        private Op add(Op a, Op b) {
            Derived d = new Derived(Keys.ADD, -1, List.of(a.key(), b.key()));
            Op known = derived.get(d);
            if (known != null) return known;
            Key[] rows = new Key[T];
            for (int t = 0; t < T; t++) rows[t] = enc.begin(Keys.ADD).putKey(a.rows()[t]).putKey(b.rows()[t]).finish();
            Op op = intern.computeIfAbsent(rows[T - 1], key -> new Op.Add(a, b, rows));
            derived.put(d, op);
            return op;
        }

        private Op lnf(Op in) {
            Derived d = new Derived(Keys.LNF, -1, List.of(in.key()));
            Op known = derived.get(d);
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

        // ------------------------------------------------------------ materialisation

        private float[] data(Op op) {
            Key key = op.key();
            float[] d = memo.get(key);
            if (d != null) return d;
            d = switch (op) {
                case Op.Emb e -> model.embed(e.ids());
                case Op.Add a -> {
                    float[] x = data(a.a()), y = data(a.b());
                    float[] out = new float[T * E];
                    RowKernels.add(x, y, E, T, 0, out);
                    yield out;
                }
                case Op.Mix m -> {
                    float[] out = new float[T * E];
                    for (int t = 0; t < T; t++) System.arraycopy(data(m.perRow()[t]), t * E, out, t * E, E);
                    yield out;
                }
                case Op.LnF l -> {
                    float[] x = data(l.in());
                    float[] out = new float[T * E];
                    RowKernels.lnFinal(model, x, T, 0, out);
                    yield out;
                }
                case Op.Qkv q -> cached(q, 3 * E, false);
                case Op.Mlp m -> cached(m, E, false);
                case Op.Attn a -> cached(a, E, true);
            };
            memo.put(key, d);
            return d;
        }

        /** A cacheable value: whole from the cache, or rows 0..r-1 from the cache and rows r.. computed. */
        private float[] cached(Op op, int width, boolean attention) {
            Key key = op.key();
            ActivationCache.Entry hit = cache.get(key);
            if (hit != null) {
                if (log != null) log.accept("cache hit " + key.hex() + " " + describe(op));
                cacheHits++;
                rowsReused += T;
                if (attention) probsMemo.put(key, hit.probs());
                return hit.data();
            }
            ActivationCache.RowHit prefix = cache.prefix(op.rows());
            int r = prefix == null ? 0 : prefix.row() + 1;
            float[] out = new float[T * width];
            float[] probs = attention ? new float[H * T * T] : null;
            if (prefix != null) {
                ActivationCache.Entry e = prefix.entry();
                System.arraycopy(e.data(), 0, out, 0, r * width);
                if (attention) {
                    int T2 = e.rows();
                    for (int h = 0; h < H; h++)
                        for (int t = 0; t < r; t++)
                            System.arraycopy(e.probs(), (h * T2 + t) * T2, probs, (h * T + t) * T, t + 1);
                }
                partialHits++;
                rowsReused += r;
                if (log != null) log.accept("cache hit rows 0.." + (r - 1) + " " + op.rows()[r - 1].hex() + " " + describe(op));
            }
            switch (op) {
                case Op.Qkv q -> RowKernels.qkv(model, q.layer(), data(q.in()), T, r, out);
                case Op.Mlp m -> RowKernels.mlp(model, m.layer(), data(m.in()), T, r, out);
                case Op.Attn a -> {
                    float[][] qs = new float[H][], ks = new float[H][], vs = new float[H][];
                    for (int h = 0; h < H; h++) {
                        qs[h] = data(a.q()[h]);
                        ks[h] = data(a.k()[h]);
                        vs[h] = data(a.v()[h]);
                    }
                    RowKernels.attn(model, a.layer(), T, r, qs, ks, vs, out, probs);
                }
                default -> throw new IllegalStateException("not a cacheable operation: " + op.getClass().getSimpleName());
            }
            computed++;
            rowsComputed += T - r;
            if (attention) probsMemo.put(key, probs);
            if (cache.enabled()) {
                cache.put(op.rows(), width, out, probs);
                if (log != null) log.accept("cache store " + key.hex() + " " + describe(op) + " rows " + r + ".." + (T - 1) + " computed");
            }
            return out;
        }

        private String describe(Op op) {
            return switch (op) {
                case Op.Qkv q -> "qkv(layer " + q.layer() + ")";
                case Op.Mlp m -> "mlp(layer " + m.layer() + ")";
                case Op.Attn a -> "attn(layer " + a.layer() + ")";
                default -> op.getClass().getSimpleName();
            };
        }
    }
}
