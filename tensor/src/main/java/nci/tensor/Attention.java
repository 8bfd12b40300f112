package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal scaled dot-product attention for one head.
 * For each query row t in [rowStart, T): p = softmax(q_t · k_s / √d, s ≤ t), out_t = Σ_s p_s v_s.
 * q, k, v, out are row-major with their own row strides and offsets (so they can be views into a
 * [T, 3E] c_attn output or a [T, E] merged-heads buffer). Rows before rowStart are left untouched
 * (causal attention leaves them unchanged when only later rows change).
 * probs, if non-null, receives the [T, T] pattern at probsOff (row t: entries s > t are 0).
 *
 * <h2>Order of operations (the same in both twins, so the bits are too, apart from the softmax's exp)</h2>
 * score(t, s) = (Σ_i q[t,i]·k[s,i]) · (1/√d), the sum as fma(q[t,i], k[s,i], acc) for i = 0, 1, ..., d-1 from 0;
 * out[t,i] = fma(p_s, v[s,i], acc) for s = 0, 1, ..., t from 0. Every element of a row is computed the same way
 * whatever T, rowStart, its neighbours or which rows are computed together, so a row computed alone (the patching
 * engine recomputing rows from rowStart) equals the same row of a full pass, bit for bit.
 */
public final class Attention {
    private Attention() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();
    /** Keys per score block: 2 vectors, so four query rows keep 8 independent fma chains in flight. */
    private static final int KB = 2 * L;

    /**
     * Per-thread scratch, grown on demand (heads run in parallel, each on its own pool thread):
     * [0] kᵀ of the head [d, Tp] (Tp: T rounded up to KB, and up to an odd multiple of KB; zero padded), [1] to [4] the
     * score rows of four query rows [Tp], [5] the head's v rows copied side by side [T, d] (for more than 4 rows).
     */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[6][0]);

    public static void causal(float[] q, int qOff, int qStride,
                              float[] k, int kOff, int kStride,
                              float[] v, int vOff, int vStride,
                              float[] out, int outOff, int outStride,
                              int T, int d, int rowStart, float[] probs, int probsOff) {
        if (VectorInfo.ENABLED)
            causalVector(q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, outStride, T, d, rowStart, probs, probsOff);
        else
            causalScalar(q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, outStride, T, d, rowStart, probs, probsOff);
    }

    /**
     * Query rows four at a time (t .. t+3; past T the last row again, written twice with the same bits). Scores: k is
     * transposed once into kᵀ [d, Tp], then the four rows sweep blocks of KB keys with 4 x 2 vector accumulators (one
     * broadcast q value per row and 2 kᵀ vectors per i): no horizontal sums. Keys past a row's t in a block are
     * computed and ignored (the softmax covers s ≤ t only). Weighted sum: 4 rows x 2 vectors of d in registers, one
     * sweep over s ≤ t per 2L columns of d, then each later row's own s in increasing order in the same registers,
     * then stored. No helper here takes or returns a vector (see {@link Softmax#inPlaceVector} for why).
     * <p>Measured (Zen 3 VM, AVX2, one thread, T = 128, d = 64, the 12 heads of a [T, 3E] c_attn output, fresh JVMs
     * in turn, best of 300 ms rounds): the later rows' last terms in registers instead of on the stored sums 0.82-1.05x
     * the time (four of five JVMs faster); v copied side by side and kᵀ's odd row stride then 0.78-0.98x. All three
     * against the code before them: 0.78-0.90x at T = 128 (six JVMs each, geometric mean 0.83x), 0.96-0.99x at T = 32,
     * 0.86-0.88x at T = 8.
     */
    public static void causalVector(float[] q, int qOff, int qStride,
                                    float[] k, int kOff, int kStride,
                                    float[] v, int vOff, int vStride,
                                    float[] out, int outOff, int outStride,
                                    int T, int d, int rowStart, float[] probs, int probsOff) {
        checkShape(T, d, rowStart);
        if (rowStart == T) return;
        float scale = (float) (1.0 / Math.sqrt(d));
        // kᵀ's rows an odd multiple of KB floats apart (AVX2: an odd number of 64-byte lines; AVX-512: twice one): a
        // score block reads the same columns of d rows, and at a power-of-two stride (T = 128 on AVX2: 512 bytes)
        // those d lines fall into an eighth of L1's sets
        int tp = (T + KB - 1) / KB * KB;
        if ((tp / KB) % 2 == 0) tp += KB;
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < d * tp) scratch[0] = new float[d * tp];
        if (scratch[1].length < tp) for (int r = 1; r <= 4; r++) scratch[r] = new float[tp];
        float[] kt = scratch[0], p0 = scratch[1], p1 = scratch[2], p2 = scratch[3], p3 = scratch[4];
        transpose(k, kOff, kStride, T, d, kt, tp);
        // v's rows side by side: each group of four query rows sweeps one 64-byte line of every v row per 2L columns,
        // and in a [T, 3E] c_attn output (rows 9 KB apart at E = 768) those lines fall into a quarter of L1's sets.
        // One group (the engine recomputing the last few rows) reads each line once, so a copy would only add a pass.
        if (T - rowStart > 4) {
            if (scratch[5].length < T * d) scratch[5] = new float[T * d];
            float[] vc = scratch[5];
            for (int s = 0; s < T; s++) System.arraycopy(v, vOff + s * vStride, vc, s * d, d);
            v = vc; vOff = 0; vStride = d;
        }
        for (int t = rowStart; t < T; t += 4) {
            int t1 = Math.min(t + 1, T - 1), t2 = Math.min(t + 2, T - 1), t3 = Math.min(t + 3, T - 1);
            scores(q, qOff + t * qStride, qOff + t1 * qStride, qOff + t2 * qStride, qOff + t3 * qStride, kt, tp, d,
                    t3 + 1, scale, p0, p1, p2, p3);
            for (int r = 0; r < 4; r++) Softmax.inPlaceVector(scratch[1 + r], 0, Math.min(t + r, T - 1) + 1);  // one call site: one inlined copy
            weighted(p0, p1, p2, p3, t, t1, t2, t3, v, vOff, vStride, d, out, outOff, outStride);
            if (probs != null) {
                copyProbs(p0, t, T, probs, probsOff);
                copyProbs(p1, t1, T, probs, probsOff);
                copyProbs(p2, t2, T, probs, probsOff);
                copyProbs(p3, t3, T, probs, probsOff);
            }
        }
    }

    /** kt[i * tp + s] = k[s, i] for s < T; zero for T ≤ s < tp (read by the last score block, never used). */
    private static void transpose(float[] k, int kOff, int kStride, int T, int d, float[] kt, int tp) {
        for (int s = 0; s < T; s++) {
            int ko = kOff + s * kStride;
            for (int i = 0, o = s; i < d; i++, o += tp) kt[o] = k[ko + i];
        }
        for (int i = 0; i < d; i++) java.util.Arrays.fill(kt, i * tp + T, i * tp + tp, 0f);
    }

    /** pr[s] = score(row at qr, s) for the four rows r (q offsets qa .. qd) and s < n rounded up to KB. */
    private static void scores(float[] q, int qa, int qb, int qc, int qd, float[] kt, int tp, int d, int n, float scale,
                               float[] p0, float[] p1, float[] p2, float[] p3) {
        for (int j = 0; j < n; j += KB) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
            for (int i = 0, ko = j; i < d; i++, ko += tp) {
                FloatVector k0 = FloatVector.fromArray(S, kt, ko), k1 = FloatVector.fromArray(S, kt, ko + L);
                FloatVector qv = FloatVector.broadcast(S, q[qa + i]);
                a0 = k0.fma(qv, a0); a1 = k1.fma(qv, a1);
                qv = FloatVector.broadcast(S, q[qb + i]);
                b0 = k0.fma(qv, b0); b1 = k1.fma(qv, b1);
                qv = FloatVector.broadcast(S, q[qc + i]);
                c0 = k0.fma(qv, c0); c1 = k1.fma(qv, c1);
                qv = FloatVector.broadcast(S, q[qd + i]);
                e0 = k0.fma(qv, e0); e1 = k1.fma(qv, e1);
            }
            a0.mul(scale).intoArray(p0, j); a1.mul(scale).intoArray(p0, j + L);
            b0.mul(scale).intoArray(p1, j); b1.mul(scale).intoArray(p1, j + L);
            c0.mul(scale).intoArray(p2, j); c1.mul(scale).intoArray(p2, j + L);
            e0.mul(scale).intoArray(p3, j); e1.mul(scale).intoArray(p3, j + L);
        }
    }

    /**
     * out row tr = Σ_{s ≤ tr} pr[s] v_s for the four rows t ≤ t1 ≤ t2 ≤ t3: s = 0..t for all four in one sweep,
     * then each later row's own s = t+1..tr, in increasing s.
     */
    private static void weighted(float[] p0, float[] p1, float[] p2, float[] p3,
                                 int t, int t1, int t2, int t3, float[] v, int vOff, int vStride, int d,
                                 float[] out, int outOff, int outStride) {
        int o0 = outOff + t * outStride, o1 = outOff + t1 * outStride, o2 = outOff + t2 * outStride, o3 = outOff + t3 * outStride;
        int i = 0;
        for (; i + 2 * L <= d; i += 2 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
            int vo = vOff + i;
            for (int s = 0; s <= t; s++, vo += vStride) {
                FloatVector v0 = FloatVector.fromArray(S, v, vo), v1 = FloatVector.fromArray(S, v, vo + L);
                FloatVector w = FloatVector.broadcast(S, p0[s]);
                a0 = v0.fma(w, a0); a1 = v1.fma(w, a1);
                w = FloatVector.broadcast(S, p1[s]);
                b0 = v0.fma(w, b0); b1 = v1.fma(w, b1);
                w = FloatVector.broadcast(S, p2[s]);
                c0 = v0.fma(w, c0); c1 = v1.fma(w, c1);
                w = FloatVector.broadcast(S, p3[s]);
                e0 = v0.fma(w, e0); e1 = v1.fma(w, e1);
            }
            // each later row's own last terms, s = t+1 .. tr in increasing s, in the same registers. Written out: as a
            // loop over s with each row's bound tested inside (as below, where d leaves L columns over), the 12
            // heads at T = 128 took 0.94-1.40x the time (eight fresh JVMs in turn against this; three 1.2-1.4x).
            if (t1 > t) {
                FloatVector v0 = FloatVector.fromArray(S, v, vo), v1 = FloatVector.fromArray(S, v, vo + L);
                FloatVector w = FloatVector.broadcast(S, p1[t + 1]);
                b0 = v0.fma(w, b0); b1 = v1.fma(w, b1);
                w = FloatVector.broadcast(S, p2[t + 1]);
                c0 = v0.fma(w, c0); c1 = v1.fma(w, c1);
                w = FloatVector.broadcast(S, p3[t + 1]);
                e0 = v0.fma(w, e0); e1 = v1.fma(w, e1);
                if (t2 > t1) {
                    vo += vStride;
                    v0 = FloatVector.fromArray(S, v, vo); v1 = FloatVector.fromArray(S, v, vo + L);
                    w = FloatVector.broadcast(S, p2[t + 2]);
                    c0 = v0.fma(w, c0); c1 = v1.fma(w, c1);
                    w = FloatVector.broadcast(S, p3[t + 2]);
                    e0 = v0.fma(w, e0); e1 = v1.fma(w, e1);
                    if (t3 > t2) {
                        vo += vStride;
                        v0 = FloatVector.fromArray(S, v, vo); v1 = FloatVector.fromArray(S, v, vo + L);
                        w = FloatVector.broadcast(S, p3[t + 3]);
                        e0 = v0.fma(w, e0); e1 = v1.fma(w, e1);
                    }
                }
            }
            a0.intoArray(out, o0 + i); a1.intoArray(out, o0 + i + L);
            b0.intoArray(out, o1 + i); b1.intoArray(out, o1 + i + L);
            c0.intoArray(out, o2 + i); c1.intoArray(out, o2 + i + L);
            e0.intoArray(out, o3 + i); e1.intoArray(out, o3 + i + L);
        }
        for (; i + L <= d; i += L) {
            FloatVector a = FloatVector.zero(S), b = a, c = a, e = a;
            int vo = vOff + i;
            for (int s = 0; s <= t; s++, vo += vStride) {
                FloatVector vv = FloatVector.fromArray(S, v, vo);
                a = vv.fma(FloatVector.broadcast(S, p0[s]), a);
                b = vv.fma(FloatVector.broadcast(S, p1[s]), b);
                c = vv.fma(FloatVector.broadcast(S, p2[s]), c);
                e = vv.fma(FloatVector.broadcast(S, p3[s]), e);
            }
            for (int s = t + 1; s <= t3; s++, vo += vStride) {                   // the later rows' last terms
                FloatVector vv = FloatVector.fromArray(S, v, vo);
                if (s <= t1) b = vv.fma(FloatVector.broadcast(S, p1[s]), b);
                if (s <= t2) c = vv.fma(FloatVector.broadcast(S, p2[s]), c);
                e = vv.fma(FloatVector.broadcast(S, p3[s]), e);
            }
            a.intoArray(out, o0 + i); b.intoArray(out, o1 + i); c.intoArray(out, o2 + i); e.intoArray(out, o3 + i);
        }
        for (; i < d; i++) {
            out[o0 + i] = weightedScalar(p0, t, v, vOff + i, vStride);
            out[o1 + i] = weightedScalar(p1, t1, v, vOff + i, vStride);
            out[o2 + i] = weightedScalar(p2, t2, v, vOff + i, vStride);
            out[o3 + i] = weightedScalar(p3, t3, v, vOff + i, vStride);
        }
    }

    /** Σ_{s ≤ t} p[s]·v[vo + s·vStride] as fma in increasing s from 0. */
    private static float weightedScalar(float[] p, int t, float[] v, int vo, int vStride) {
        float acc = 0f;
        for (int s = 0; s <= t; s++, vo += vStride) acc = Math.fma(p[s], v[vo], acc);
        return acc;
    }

    private static void copyProbs(float[] p, int t, int T, float[] probs, int probsOff) {
        int po = probsOff + t * T;
        System.arraycopy(p, 0, probs, po, t + 1);
        java.util.Arrays.fill(probs, po + t + 1, po + T, 0f);
    }

    /** The scalar twin: the same fma orders as the vector path, {@link Softmax#inPlaceScalar} for the softmax. */
    public static void causalScalar(float[] q, int qOff, int qStride,
                                    float[] k, int kOff, int kStride,
                                    float[] v, int vOff, int vStride,
                                    float[] out, int outOff, int outStride,
                                    int T, int d, int rowStart, float[] probs, int probsOff) {
        checkShape(T, d, rowStart);
        float scale = (float) (1.0 / Math.sqrt(d));
        float[] p = new float[T];
        for (int t = rowStart; t < T; t++) {
            int qo = qOff + t * qStride;
            for (int s = 0; s <= t; s++) {
                int ko = kOff + s * kStride;
                float dot = 0f;
                for (int i = 0; i < d; i++) dot = Math.fma(q[qo + i], k[ko + i], dot);
                p[s] = dot * scale;
            }
            Softmax.inPlaceScalar(p, 0, t + 1);
            int oo = outOff + t * outStride;
            for (int i = 0; i < d; i++) out[oo + i] = weightedScalar(p, t, v, vOff + i, vStride);
            if (probs != null) {
                int po = probsOff + t * T;
                for (int s = 0; s < T; s++) probs[po + s] = s <= t ? p[s] : 0f;
            }
        }
    }

    private static void checkShape(int T, int d, int rowStart) {
        if (T < 0 || d <= 0) throw new IllegalArgumentException("attention shape T=" + T + ", d=" + d + ": need T >= 0, d > 0");
        if (rowStart < 0 || rowStart > T)
            throw new IllegalArgumentException("attention rowStart " + rowStart + " outside [0, T=" + T + "]");
    }
}
