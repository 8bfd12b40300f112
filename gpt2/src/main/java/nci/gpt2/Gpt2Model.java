package nci.gpt2;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import nci.tensor.Attention;
import nci.tensor.Embedding;
import nci.tensor.Gelu;
import nci.tensor.Gemm;
import nci.tensor.LayerNorm;
import nci.tensor.Mat;
import nci.tensor.Parallel;
import nci.tensor.VecOps;

/**
 * GPT-2 over loaded weights: the building blocks the patching engine composes, and a plain forward
 * written as a flat sequence of them. Activations are row-major float[] with T (or B·T) rows of width E.
 * Owns the weights' memory (the mapped file's arena) through {@code resources}; close it when done.
 */
public final class Gpt2Model implements AutoCloseable {

    private final Gpt2Config config;
    private final Gpt2Weights weights;
    private final AutoCloseable resources;
    /** Layers' matrices packed for repeated products, built on first use ({@link #packedLayer}). */
    private final AtomicReferenceArray<PackedLayer> packed;
    /** The layers' matrices packed, from a file ({@link PackedWeights}), for the plain forward ({@link #usePackedWeights}); null if none. */
    private volatile PackedWeights packedFile;
    /** Requests per layer through {@link #packedLayerOnReuse}. */
    private final AtomicIntegerArray packRequests;
    /** What packing every layer would hold ({@link #packedBytes}). */
    private final long packedBytes;

    public Gpt2Model(Gpt2Config config, Gpt2Weights weights, AutoCloseable resources) {
        this.config = config;
        this.weights = weights;
        this.resources = resources;
        this.packed = new AtomicReferenceArray<>(weights.layers().size());
        this.packRequests = new AtomicIntegerArray(weights.layers().size());
        if (weights.layers().size() != config.nLayer())
            throw new IllegalArgumentException("config n_layer " + config.nLayer() + " but " + weights.layers().size() + " layers of weights");
        long pb = 0;
        for (LayerWeights w : weights.layers())
            for (Mat m : w.matrices())
                pb += Gemm.packedFloats(m.rows(), m.cols()) * Float.BYTES;
        this.packedBytes = pb;
    }

    public Gpt2Config config() { return config; }

    public Gpt2Weights weights() { return weights; }

    /** A layer's four matrices in {@link Gemm#pack}'s layout: c_attn, attn c_proj, c_fc, mlp c_proj. */
    public record PackedLayer(Gemm.PackedB attnW, Gemm.PackedB attnProjW, Gemm.PackedB fcW, Gemm.PackedB mlpProjW) {
        public PackedLayer {
            if (attnW == null || attnProjW == null || fcW == null || mlpProjW == null)
                throw new IllegalArgumentException("a packed layer matrix is null");
        }

        /** Bytes held (native memory). */
        public long bytes() { return attnW.bytes() + attnProjW.bytes() + fcW.bytes() + mlpProjW.bytes(); }
    }

    /**
     * Layer {@code layer}'s matrices packed for {@link Gemm}, built on the first call and kept for the model's life:
     * a copy about the size of the layer's weights, in native memory (GPT-2 small: 28 MB a layer, 340 MB for all twelve). For
     * callers that multiply the same weights many times, the patching engine's stages: a product over packed
     * weights skips packing B on every call and gives the same bits. The plain {@link #forward} does not use them:
     * it reads the mapped weights, or a packed copy of them read from a file ({@link #usePackedWeights}). Thread-safe (two racing first calls may both
     * pack; one result is kept).
     */
    public PackedLayer packedLayer(int layer) {
        PackedLayer p = packed.get(checkLayer(layer));
        if (p == null) {
            LayerWeights w = weights.layers().get(layer);
            p = new PackedLayer(Gemm.pack(w.attnW()), Gemm.pack(w.attnProjW()), Gemm.pack(w.fcW()), Gemm.pack(w.mlpProjW()));
            if (!packed.compareAndSet(layer, null, p)) p = packed.get(layer);
        }
        return p;
    }

    /**
     * Gives the plain {@link #forward} a packed copy of the layers' matrices from a file ({@link PackedWeights}): its
     * products then copy ready panels instead of packing B on every call, with the same bits. The model
     * takes ownership: it closes {@code p} when closed or when another copy replaces it. {@code p} must hold this
     * model's layer count and shapes ({@link PackedWeights#load} and {@link PackedWeights#map} check its values too). Call it between forwards: a
     * forward running meanwhile would read a copy this closes (and fail, not compute wrong values).
     */
    public void usePackedWeights(PackedWeights p) {
        if (p != null) {
            if (p.layerCount() != config.nLayer())
                throw new IllegalArgumentException("packed weights hold " + p.layerCount() + " layers, the model has " + config.nLayer());
            for (int l = 0; l < config.nLayer(); l++) {
                List<Mat> want = weights.layers().get(l).matrices();
                List<Gemm.PackedSegment> got = p.layer(l).matrices();
                for (int i = 0; i < want.size(); i++)
                    if (want.get(i).rows() != got.get(i).rows() || want.get(i).cols() != got.get(i).cols())
                        throw new IllegalArgumentException("packed weights' layer " + l + " matrix " + i + " is [" + got.get(i).rows()
                                + ", " + got.get(i).cols() + "], the model's is [" + want.get(i).rows() + ", " + want.get(i).cols() + "]");
            }
        }
        PackedWeights old = packedFile;
        packedFile = p;
        if (old != null && old != p) old.close();
    }

    /** The packed copy from a file the plain forward uses, or null. */
    public PackedWeights packedWeights() { return packedFile; }

    /** Requests a layer gets through {@link #packedLayerOnReuse} before it is packed. */
    public static final int PACK_AFTER_REQUESTS = 3;

    /**
     * {@link #packedLayer}, from the layer's fourth request on ({@code null} for the first {@value #PACK_AFTER_REQUESTS}).
     * The patching engine asks once per product it is about to run (qkv, attention projection, MLP): a process that
     * runs one batch over the model (one {@code ./nci sweep}) multiplies each matrix once, where a packed copy would
     * only cost memory (GPT-2 small: +340 MB) for a packing pass the product does anyway; from the next batch on
     * (repeated sweeps, a study's further experiments) every product skips packing. Same bits either way.
     */
    public PackedLayer packedLayerOnReuse(int layer) {
        PackedLayer p = packed.get(checkLayer(layer));
        if (p != null) return p;
        return packRequests.incrementAndGet(layer) > PACK_AFTER_REQUESTS ? packedLayer(layer) : null;
    }

    private int checkLayer(int layer) {
        if (layer < 0 || layer >= packed.length())
            throw new IllegalArgumentException("layer " + layer + " outside [0, " + packed.length() + ")");
        return layer;
    }

    /** Bytes {@link #packedLayer} would hold for every layer (the layers' four matrices, columns rounded up). */
    public long packedBytes() { return packedBytes; }

    // ---------------------------------------------------------------- building blocks

    /** out [T, E] = wte[ids] + wpe[0..T-1]. */
    public float[] embed(int[] ids) {
        int e = config.nEmbd();
        if (ids.length > config.nPositions())
            throw new IllegalArgumentException(ids.length + " tokens exceed n_positions " + config.nPositions());
        float[] out = new float[ids.length * e];
        Embedding.lookup(weights.wte(), weights.wpe(), ids, 0, ids.length, 0, out, 0);
        return out;
    }

    /** qkv [rows, 3E] = ln_1(x [rows, E]) · c_attn + b: columns [q | k | v]. */
    public float[] qkv(int layer, float[] x, int rows) {
        LayerWeights w = weights.layers().get(layer);
        int e = config.nEmbd();
        float[] out = new float[length("c_attn output [rows, 3·E]", rows, 3, e)];
        float[] ln = new float[rows * e];
        LayerNorm.apply(x, 0, ln, 0, rows, e, w.ln1Gamma(), w.ln1Beta(), config.layerNormEpsilon());
        Gemm.matmul(ln, 0, rows, e, w.attnW(), w.attnB(), out, 0);
        return out;
    }

    /**
     * Causal attention of one sequence [T rows] where head h takes its query from qSrc[h], key from
     * kSrc[h] and value from vSrc[h], each a [T, 3E] output of {@link #qkv}; returns c_proj's output
     * [T, E] (before the residual add). probs, if non-null, receives [H, T, T].
     */
    public float[] attention(int layer, int T, float[][] qSrc, float[][] kSrc, float[][] vSrc, float[] probs) {
        int e = config.nEmbd(), h = config.nHead(), d = config.headDim();
        float[] merged = new float[T * e];                 // [T, E], head h in columns h·d..h·d+d-1
        for (int head = 0; head < h; head++) {
            Attention.causal(qSrc[head], head * d, 3 * e,
                    kSrc[head], e + head * d, 3 * e,
                    vSrc[head], 2 * e + head * d, 3 * e,
                    merged, head * d, e, T, d, 0, probs, head * T * T);
        }
        LayerWeights w = weights.layers().get(layer);
        float[] out = new float[T * e];
        Gemm.matmul(merged, 0, T, e, w.attnProjW(), w.attnProjB(), out, 0);
        return out;
    }

    /** Plain attention of one sequence: every head's q, k, v from the same stream x [T, E]. */
    public float[] attention(int layer, float[] x, int T, float[] probs) {
        float[] qkv = qkv(layer, x, T);
        float[][] all = new float[config.nHead()][];
        java.util.Arrays.fill(all, qkv);
        return attention(layer, T, all, all, all, probs);
    }

    /** mlp [rows, E] = c_proj(act(c_fc(ln_2(x [rows, E])))) (before the residual add). */
    public float[] mlp(int layer, float[] x, int rows) {
        LayerWeights w = weights.layers().get(layer);
        int e = config.nEmbd(), inner = config.nInner();
        float[] hidden = new float[length("MLP hidden [rows, I]", rows, inner)];
        float[] ln = new float[length("ln_2 output [rows, E]", rows, e)];
        LayerNorm.apply(x, 0, ln, 0, rows, e, w.ln2Gamma(), w.ln2Beta(), config.layerNormEpsilon());
        Gemm.matmul(ln, 0, rows, e, w.fcW(), w.fcB(), hidden, 0);
        activation(hidden, 0, hidden.length);
        float[] out = new float[rows * e];
        Gemm.matmul(hidden, 0, rows, inner, w.mlpProjW(), w.mlpProjB(), out, 0);
        return out;
    }

    /** ln_f(x [rows, E]). */
    public float[] lnFinal(float[] x, int rows) {
        int e = config.nEmbd();
        float[] out = new float[rows * e];
        LayerNorm.apply(x, 0, out, 0, rows, e, weights.lnfGamma(), weights.lnfBeta(), config.layerNormEpsilon());
        return out;
    }

    /** logits [rows, V] = h [rows, E] · lm_headᵀ. */
    public float[] logits(float[] h, int hOff, int rows) {
        float[] out = new float[length("logits [rows, V]", rows, config.vocabSize())];
        Gemm.matmulTransposed(h, hOff, rows, config.nEmbd(), weights.lmHead(), out, 0);
        return out;
    }

    /** The longest float[] allocated here: a JVM refuses arrays close to Integer.MAX_VALUE elements. */
    public static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /**
     * The length of an array of this shape, or an IllegalArgumentException naming the array when no Java array holds
     * that many floats (in int arithmetic the product would wrap, to a negative size or to a wrong one).
     */
    private static int length(String what, long... shape) {
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException(what + ": negative size in " + Arrays.toString(shape));
            if (s == 0) return 0;
        }
        long n = 1;
        for (long s : shape) {
            n *= s;                                        // n <= MAX_ARRAY_LENGTH and s <= Integer.MAX_VALUE: no long overflow
            if (n > MAX_ARRAY_LENGTH) {
                BigInteger total = BigInteger.ONE;
                for (long t : shape) total = total.multiply(BigInteger.valueOf(t));
                throw new IllegalArgumentException("batch too large: " + what + " = " + Arrays.toString(shape) + " would be " + total
                        + " floats, more than a Java array holds (" + MAX_ARRAY_LENGTH + ")");
            }
        }
        return (int) n;
    }

    /** a + b, elementwise, as a new array. */
    public static float[] add(float[] a, float[] b) {
        float[] out = new float[a.length];
        VecOps.add(a, 0, b, 0, out, 0, a.length);
        return out;
    }

    // ---------------------------------------------------------------- plain forward

    /** What {@link #forward} returns. Lists are per batch element; absent parts are empty lists. */
    public record Forward(
            int batch, int T,
            float[] lastHidden,              // [B, T, E], after ln_f
            float[] logits,                  // [B, T, V] or null
            List<float[]> hiddenStates,      // n_layer+1 of [B, T, E], HF numbering (0 = embeddings, n_layer = after ln_f)
            List<float[]> attentions) {      // n_layer of [B, H, T, T]
    }

    /**
     * Rows per chunk of the fused residual add + LayerNorm (~0.6 us a row at E = 768): up to 64 rows it stays on the
     * calling thread, where a pool hand-off (measured 10-30 us on this shared machine) would cost more than it saves.
     */
    private static final int NORM_ROWS = 64;
    /** Rows per chunk of the activation (~4 us a row of 3072 at gelu_new): up to 16 rows on the calling thread. */
    private static final int ACT_ROWS = 16;
    /**
     * Attention work (T²·d) per chunk of (sequence, head) jobs: 2^17 is ~25 us (one head at T = 32, d = 64 measured
     * 13 us, at T = 128 84 us), so the 12 heads of one short sequence (T = 8: ~1 us each) stay on the calling thread.
     */
    private static final int ATTN_CHUNK_WORK = 1 << 17;

    /**
     * Forward of a batch of equal-length sequences, as a flat sequence of layer calls over buffers allocated once.
     * Rows of all sequences are stacked ([B·T, E]) for every row-wise op and matrix multiply (one GEMM per weight
     * over all B·T rows); attention runs per (sequence, head), in parallel. The row-wise passes run in parallel row
     * chunks, and each residual add is fused with the LayerNorm that reads its result (one pass over x while its
     * rows are in cache). Every element is computed by the same operations as the building blocks above, so the
     * results are those of embed/qkv/attention/mlp/lnFinal/add composed, bit for bit.
     * @param all also keep every hidden state and attention pattern
     * @param logits compute logits at every position
     */
    public Forward forward(int[][] batch, boolean all, boolean logits) {
        int b = batch.length;
        if (b == 0) throw new IllegalArgumentException("empty batch");
        int T = batch[0].length;
        if (T == 0) throw new IllegalArgumentException("sequence 0 is empty");
        for (int i = 1; i < b; i++)
            if (batch[i].length != T)
                throw new IllegalArgumentException("sequence " + i + " has " + batch[i].length + " tokens, sequence 0 has " + T + " (a batch needs equal lengths)");
        if (T > config.nPositions())
            throw new IllegalArgumentException(T + " tokens exceed n_positions " + config.nPositions());
        int e = config.nEmbd(), h = config.nHead(), d = config.headDim(), inner = config.nInner();
        forwardFloats(b, T, all, logits);                 // every array below, and every index into one, fits an int
        int rows = b * T, nLayer = config.nLayer();
        List<float[]> hidden = new ArrayList<>();
        List<float[]> attns = new ArrayList<>();

        float[] x = new float[rows * e];              // residual stream      [B, T, E]
        float[] ln = new float[rows * e];             // LayerNorm output     [B, T, E]
        float[] qkv = new float[rows * 3 * e];        // c_attn output        [B, T, 3E]  columns [q | k | v]
        float[] z = new float[rows * e];              // attention, heads merged [B, T, E]
        float[] proj = new float[rows * e];           // c_proj output (attention or MLP) [B, T, E]
        float[] fc = new float[rows * inner];         // MLP hidden           [B, T, I]
        float[] last = new float[rows * e];           // ln_f output          [B, T, E]
        PackedWeights packedCopy = packedFile;

        for (int i = 0; i < b; i++)
            Embedding.lookup(weights.wte(), weights.wpe(), batch[i], 0, T, 0, x, i * T * e);
        LayerWeights w0 = weights.layers().get(0);
        addNorm(x, null, ln, rows, w0.ln1Gamma(), w0.ln1Beta());                        // ln_1 of layer 0
        for (int l = 0; l < nLayer; l++) {
            LayerWeights w = weights.layers().get(l);
            if (all) hidden.add(x.clone());
            float[] probs = all ? new float[b * h * T * T] : null;                        // [B, H, T, T]
            // attention: x += c_proj(attn(c_attn(ln_1(x)))); ln holds ln_1(x)
            PackedWeights.Layer pm = packedCopy == null ? null : packedCopy.layer(l);
            Gemm.matmul(ln, 0, rows, e, w.attnW(), null, pm == null ? null : pm.attnW(), w.attnB(), qkv, 0);
            Parallel.forChunks(b * h, (int) Math.max(1, ATTN_CHUNK_WORK / ((long) T * T * d)), (start, end) -> {
                for (int job = start; job < end; job++) {
                    int seq = job / h, head = job % h, base = seq * T * 3 * e;
                    Attention.causal(qkv, base + head * d, 3 * e, qkv, base + e + head * d, 3 * e,
                            qkv, base + 2 * e + head * d, 3 * e, z, seq * T * e + head * d, e,
                            T, d, 0, probs, job * T * T);
                }
            });
            if (all) attns.add(probs);
            Gemm.matmul(z, 0, rows, e, w.attnProjW(), null, pm == null ? null : pm.attnProjW(), w.attnProjB(), proj, 0);
            addNorm(x, proj, ln, rows, w.ln2Gamma(), w.ln2Beta());                        // x = resid_mid; ln = ln_2(x)
            // MLP: x += c_proj(act(c_fc(ln_2(x))))
            Gemm.matmul(ln, 0, rows, e, w.fcW(), null, pm == null ? null : pm.fcW(), w.fcB(), fc, 0);
            Parallel.forChunks(rows, ACT_ROWS, (s, en) -> activation(fc, s * inner, (en - s) * inner));
            Gemm.matmul(fc, 0, rows, inner, w.mlpProjW(), null, pm == null ? null : pm.mlpProjW(), w.mlpProjB(), proj, 0);
            if (l + 1 < nLayer) {                                                         // x = block output; ln = next ln_1(x)
                LayerWeights next = weights.layers().get(l + 1);
                addNorm(x, proj, ln, rows, next.ln1Gamma(), next.ln1Beta());
            } else {                                                                      // x = block output; last = ln_f(x)
                addNorm(x, proj, last, rows, weights.lnfGamma(), weights.lnfBeta());
            }
        }
        if (all) hidden.add(last);
        float[] lg = logits ? logits(last, 0, rows) : null;                               // [B, T, V]
        return new Forward(b, T, last, lg, hidden, attns);
    }

    /**
     * Floats {@link #forward} allocates for b sequences of T tokens: its buffers (8·E + I floats a row), logits
     * [B, T, V] if asked, and with {@code all} n_layer more hidden states [B, T, E] and n_layer attention patterns
     * [B, H, T, T]. For callers that check a batch against the heap before running it.
     * @throws IllegalArgumentException naming the array, if one of them would be longer than a Java array can be
     */
    public long forwardFloats(int b, int T, boolean all, boolean logits) {
        int e = config.nEmbd(), h = config.nHead(), inner = config.nInner(), v = config.vocabSize(), nl = config.nLayer();
        length("c_attn output [B, T, 3·E]", b, T, 3, e);   // the largest [B, T, E..3E] buffer
        length("MLP hidden [B, T, I]", b, T, inner);
        if (logits) length("logits [B, T, V]", b, T, v);
        if (all) length("attention patterns [B, H, T, T]", b, h, T, T);
        long rows = (long) b * T;
        long n = rows * (8L * e + inner);                   // x, ln, qkv (3E), z, proj, last; fc (I)
        if (logits) n += rows * v;
        if (all) n += nl * rows * e + nl * (long) b * h * T * T;
        return n;
    }

    /**
     * x [rows, E] += y (if y is non-null), then out = LN(x) with gamma, beta: in parallel chunks of rows, the add
     * and the norm of a chunk back to back. Same operations per element as {@link VecOps#add} then
     * {@link LayerNorm#apply} over all rows.
     */
    private void addNorm(float[] x, float[] y, float[] out, int rows, float[] gamma, float[] beta) {
        int e = config.nEmbd();
        float eps = config.layerNormEpsilon();
        Parallel.forChunks(rows, NORM_ROWS, (s, en) -> {
            if (y != null) VecOps.add(x, s * e, y, s * e, x, s * e, (en - s) * e);
            LayerNorm.apply(x, s * e, out, s * e, en - s, e, gamma, beta, eps);
        });
    }

    /** The configured activation, in place over x[off .. off+len). */
    private void activation(float[] x, int off, int len) {
        switch (config.activation()) {
            case GELU_NEW -> Gelu.tanhApprox(x, off, len);
            case GELU -> Gelu.exact(x, off, len);
        }
    }

    @Override
    public void close() {
        PackedWeights p = packedFile;
        packedFile = null;
        if (p != null) p.close();
        if (resources == null) return;
        try {
            resources.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing the model's weights failed", e);
        }
    }
}
