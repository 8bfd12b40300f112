package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Matrix multiply with bias: the one kernel that carries most of GPT-2's FLOPs.
 * {@code matmul} is the fast path; {@code matmulScalar} is its scalar twin and reference.
 *
 * <h2>The vector path</h2>
 * GotoBLAS-style: the output is cut into {@code NC}-column blocks, the inner dimension into {@code KC}-deep
 * slices and the rows into {@code MC}-row blocks. For each (column block, k slice) a panel of B is packed into a
 * per-thread heap buffer as {@code [NC/NR][KC][NR]} (zero-padded past n), so the micro-kernel reads it
 * contiguously and the weights themselves can stay memory-mapped. A is packed per (row block, k slice) as
 * {@code [MC/MR][KC][MR]}. The micro-kernel keeps an {@code MR x NR} = 4 rows x 3 vectors tile of C in
 * registers (12 accumulators), broadcasting one A value per row and loading three B vectors per k step.
 * A single row (m = 1, e.g. only the last position recomputed) skips packing: it streams B's rows straight from
 * the segment into a per-slice partial-sum row (GEMV), with the same per-element operations as the micro-kernels.
 *
 * <p>{@link #matmulTransposed} (the LM head: bt = wte [50257, E], usually few rows) does not transpose anything:
 * each output is a dot product along k, read straight from bt's (mapped) rows, in register tiles of 4 rows of a
 * x 3 rows of bt (12 accumulators). Streaming bt sequentially is what its m = 1 case needs.
 *
 * <h2>Determinism</h2>
 * Every output element is computed by the same sequence of operations whatever m, n, the row/column range it
 * falls in, or the thread count: for each k slice {@code b = 0, 1, ...} (fixed {@code KC} boundaries),
 * {@code S_b = fma(a[p], b[p], ... fma(a[p0], b[p0], 0))} in increasing p, then
 * {@code c = bias + S_0} (or {@code S_0} without bias) and {@code c = c + S_b} for later slices. Work is split
 * over output tiles only, never over k. So results are bit-identical across runs, across thread counts, and a
 * row computed alone equals the same row computed inside a larger batch (the patching engine relies on this).
 * {@link #matmulTransposed} fixes its own order per element: lane-wise fma partial sums over the first
 * {@code loopBound(k)} indices (lane l takes p ≡ l mod L, in increasing p), reduced by {@link VMath#sum}'s
 * fixed tree, then {@code c = fma(a[p], bt[p], c)} for the remaining p; again the same for every m, n and split.
 * Only exact lane-wise operations are used, so the bits are also the same interpreted or JIT-compiled.
 */
public final class Gemm {
    private Gemm() {}

    private static final VectorSpecies<Float> S = VectorInfo.SPECIES;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Rows of C per micro-tile. */
    static final int MR = 4;
    /** Columns of C per micro-tile: three vectors. */
    static final int NR = 3 * L;
    /** Depth of a k slice: a packed B micro-panel (KC x NR floats, 24 KB at 8 lanes) stays in L1. */
    static final int KC = 256;
    /** Columns per packed B block (a multiple of NR, about 256): a KC x NC block (~270 KB) stays in L2. */
    static final int NC = NR * Math.max(1, (256 + NR - 1) / NR);
    /** Rows per packed A block (a multiple of MR). */
    static final int MC = 64;
    /** Below this many flops the pool hand-off costs more than it saves. */
    private static final long PARALLEL_MIN_FLOPS = 1L << 21;

    /** Per-thread packing buffers: B block [NC/NR][KC][NR], A block [MC/MR][KC][MR]. Reused across calls. */
    private static final ThreadLocal<float[][]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[][] {new float[KC * NC], new float[MC * KC]});

    /**
     * c[m, n] = a[m, k] · b[k, n] + bias[n]  (c overwritten; bias may be null).
     * a, c row-major from aOff / cOff with row strides k / n; b = HuggingFace Conv1D layout [in, out].
     */
    public static void matmul(float[] a, int aOff, int m, int k, Mat b, float[] bias, float[] c, int cOff) {
        if (VectorInfo.ENABLED) matmulVector(a, aOff, m, k, b, bias, c, cOff);
        else matmulScalar(a, aOff, m, k, b, bias, c, cOff);
    }

    /** c[m, n] = a[m, k] · bt[n, k]ᵀ (no bias): the tied LM head, logits = h · wteᵀ. */
    public static void matmulTransposed(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff) {
        if (VectorInfo.ENABLED) matmulTransposedVector(a, aOff, m, k, bt, c, cOff);
        else matmulTransposedScalar(a, aOff, m, k, bt, c, cOff);
    }

    /** The Vector API implementation of {@link #matmul}, whatever {@code nci.vector} says. */
    public static void matmulVector(float[] a, int aOff, int m, int k, Mat b, float[] bias, float[] c, int cOff) {
        check(a, aOff, m, k, b.rows(), b.cols(), c, cOff, "b");
        checkBias(bias, b.cols());
        run(a, aOff, m, k, b.cols(), b, bias, c, cOff);
    }

    /** The Vector API implementation of {@link #matmulTransposed}, whatever {@code nci.vector} says. */
    public static void matmulTransposedVector(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff) {
        check(a, aOff, m, k, bt.cols(), bt.rows(), c, cOff, "bt");
        runTransposed(a, aOff, m, k, bt, c, cOff);
    }

    public static void matmulScalar(float[] a, int aOff, int m, int k, Mat b, float[] bias, float[] c, int cOff) {
        check(a, aOff, m, k, b.rows(), b.cols(), c, cOff, "b");
        checkBias(bias, b.cols());
        int n = b.cols();
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * n;
            for (int j = 0; j < n; j++) c[ci + j] = bias == null ? 0f : bias[j];
            for (int p = 0; p < k; p++) {
                float av = a[aOff + i * k + p];
                for (int j = 0; j < n; j++) c[ci + j] += av * b.get(p, j);
            }
        }
    }

    public static void matmulTransposedScalar(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff) {
        check(a, aOff, m, k, bt.cols(), bt.rows(), c, cOff, "bt");
        int n = bt.rows();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) s += a[aOff + i * k + p] * bt.get(j, p);
                c[cOff + i * n + j] = s;
            }
        }
    }

    static void check(float[] a, int aOff, int m, int k, int bk, int n, float[] c, int cOff, String bName) {
        if (m < 0 || k < 0) throw new IllegalArgumentException("negative shape: m=" + m + ", k=" + k);
        if (bk != k) throw new IllegalArgumentException("inner dimensions differ: a has k=" + k + ", " + bName + " has " + bk);
        if (aOff < 0 || (long) aOff + (long) m * k > a.length)
            throw new IllegalArgumentException("a too small: need " + ((long) aOff + (long) m * k) + " floats, has " + a.length);
        if (cOff < 0 || (long) cOff + (long) m * n > c.length)
            throw new IllegalArgumentException("c too small: need " + ((long) cOff + (long) m * n) + " floats, has " + c.length);
    }

    private static void checkBias(float[] bias, int n) {
        if (bias != null && bias.length < n)
            throw new IllegalArgumentException("bias has " + bias.length + " floats, expected at least n=" + n);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Driver: split over output tiles only (never over k), so the thread count cannot change any sum.

    private static void run(float[] a, int aOff, int m, int k, int n, Mat b, float[] bias, float[] c, int cOff) {
        if (m == 0 || n == 0) return;
        if (k == 0) { // empty sum: c = bias (or 0)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) c[cOff + i * n + j] = bias == null ? 0f : bias[j];
            return;
        }
        int threads = Parallel.threads();
        if (m == 1) { // one row: packing B would cost more than the product; stream B's rows instead
            int blocks = (n + GC - 1) / GC;
            if (threads == 1 || 2L * n * k < PARALLEL_MIN_FLOPS) gemv(a, aOff, k, b, bias, c, cOff, 0, n);
            else Parallel.forRange(blocks, 1, (s, e) -> gemv(a, aOff, k, b, bias, c, cOff, s * GC, Math.min(n, e * GC)));
            return;
        }
        int nPanels = (n + NR - 1) / NR, mPanels = (m + MR - 1) / MR;
        if (threads == 1 || 2L * m * n * k < PARALLEL_MIN_FLOPS) {
            blocked(a, aOff, k, n, b, bias, c, cOff, 0, m, 0, n);
        } else if (nPanels >= 4 * threads || nPanels >= mPanels) {
            // few rows (the usual case in patching) or many columns: each thread packs only its own B columns
            Parallel.forRange(nPanels, 1, (s, e) ->
                    blocked(a, aOff, k, n, b, bias, c, cOff, 0, m, s * NR, Math.min(n, e * NR)));
        } else {
            Parallel.forRange(mPanels, 1, (s, e) ->
                    blocked(a, aOff, k, n, b, bias, c, cOff, s * MR, Math.min(m, e * MR), 0, n));
        }
    }

    /** C[i0..i1, j0..j1) (j0 a multiple of NR), all of k. */
    private static void blocked(float[] a, int aOff, int k, int n, Mat b, float[] bias,
                                float[] c, int cOff, int i0, int i1, int j0, int j1) {
        float[][] scratch = SCRATCH.get();
        float[] bp = scratch[0], ap = scratch[1];
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean first = pc == 0;
                packB(b, pc, kc, jc, nc, bp);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(a, aOff, k, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int w = Math.min(NR, nc - jr);       // valid columns of this panel
                        int bo = (jr / NR) * kc * NR;
                        int col = jc + jr;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int ao = (ir / MR) * kc * MR;
                            int co = cOff + (ic + ir) * n + col;
                            switch (Math.min(MR, mc - ir)) {
                                case 4 -> micro4(ap, ao, bp, bo, kc, c, co, n, w, first, bias, col);
                                case 3 -> {
                                    micro2(ap, ao, bp, bo, kc, c, co, n, w, first, bias, col);
                                    micro1(ap, ao + 2, bp, bo, kc, c, co + 2 * n, w, first, bias, col);
                                }
                                case 2 -> micro2(ap, ao, bp, bo, kc, c, co, n, w, first, bias, col);
                                default -> micro1(ap, ao, bp, bo, kc, c, co, w, first, bias, col);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Columns per GEMV block: its partial-sum row (4 KB) stays in L1 while B's rows stream past. */
    private static final int GC = 1024;

    /**
     * c[0, j0..j1) for a single row of a: per KC slice, tmp = Σ_p b[p, :]·a[p] (fma, increasing p, from zero),
     * then c = tmp (+ bias) or c = c + tmp: exactly the micro-kernels' operations per element, with B read
     * row by row, sequentially, straight from its segment.
     */
    private static void gemv(float[] a, int aOff, int k, Mat b, float[] bias, float[] c, int cOff, int j0, int j1) {
        float[] tmp = SCRATCH.get()[1]; // the A-packing buffer (MC*KC >= GC floats) is free on this path
        MemorySegment seg = b.data();
        for (int jc = j0; jc < j1; jc += GC) {
            int nc = Math.min(GC, j1 - jc);
            int ub = S.loopBound(nc);
            VectorMask<Float> tail = S.indexInRange(ub, nc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                java.util.Arrays.fill(tmp, 0, nc, 0f);
                for (int p = 0; p < kc; p++) {
                    FloatVector av = FloatVector.broadcast(S, a[aOff + pc + p]);
                    long row = b.byteOffset(pc + p, jc);
                    for (int j = 0; j < ub; j += L)
                        FloatVector.fromMemorySegment(S, seg, row + (long) j * Float.BYTES, NATIVE)
                                .fma(av, FloatVector.fromArray(S, tmp, j)).intoArray(tmp, j);
                    if (ub < nc)
                        FloatVector.fromMemorySegment(S, seg, row + (long) ub * Float.BYTES, NATIVE, tail)
                                .fma(av, FloatVector.fromArray(S, tmp, ub, tail)).intoArray(tmp, ub, tail);
                }
                boolean first = pc == 0;
                int co = cOff + jc;
                for (int j = 0; j < nc; j += L) store(FloatVector.fromArray(S, tmp, j, S.indexInRange(j, nc)), c, co, j, nc, first, bias, jc);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // matmulTransposed: dot products along k, tiles of up to 4 a rows x 3 bt rows.

    /** bt rows per block: a 4-row a panel stays in L1 while a block of bt (~150 KB at k = 768) is reused from L2. */
    private static final int JB = 48;

    private static void runTransposed(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff) {
        int n = bt.rows();
        if (m == 0 || n == 0) return;
        int threads = Parallel.threads();
        if (threads == 1 || 2L * m * n * k < PARALLEL_MIN_FLOPS) {
            dotBlocked(a, aOff, m, k, bt, c, cOff, 0, m, 0, n);
        } else if (n >= m) {
            Parallel.forRange((n + JB - 1) / JB, 1, (s, e) ->
                    dotBlocked(a, aOff, m, k, bt, c, cOff, 0, m, s * JB, Math.min(n, e * JB)));
        } else {
            Parallel.forRange((m + MR - 1) / MR, 1, (s, e) ->
                    dotBlocked(a, aOff, m, k, bt, c, cOff, s * MR, Math.min(m, e * MR), 0, n));
        }
    }

    /** c[i0..i1, j0..j1) = a · btᵀ over all of k. */
    private static void dotBlocked(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff,
                                   int i0, int i1, int j0, int j1) {
        int n = bt.rows();
        MemorySegment seg = bt.data();
        for (int jb = j0; jb < j1; jb += JB) {
            int je = Math.min(j1, jb + JB);
            for (int i = i0; i < i1; i += MR) {
                int h = Math.min(MR, i1 - i);
                int j = jb;
                if (h == MR) {
                    for (; j + 3 <= je; j += 3) dot4x3(a, aOff + i * k, k, seg, bt.byteOffset(j, 0), c, cOff + i * n + j, n);
                    for (; j < je; j++)
                        for (int r = 0; r < MR; r++) dot1x1(a, aOff + (i + r) * k, k, seg, bt.byteOffset(j, 0), c, cOff + (i + r) * n + j);
                } else {
                    for (int r = 0; r < h; r++) {
                        int ao = aOff + (i + r) * k, co = cOff + (i + r) * n;
                        int jj = jb;
                        for (; jj + 3 <= je; jj += 3) dot1x3(a, ao, k, seg, bt.byteOffset(jj, 0), c, co + jj);
                        for (; jj < je; jj++) dot1x1(a, ao, k, seg, bt.byteOffset(jj, 0), c, co + jj);
                    }
                }
            }
        }
    }

    /** Bytes between consecutive bt rows. */
    private static long rowBytes(int k) { return (long) k * Float.BYTES; }

    /** c[r, q] for 4 a rows (stride k from ao) x 3 bt rows (from byte bo); c rows ldc apart. */
    private static void dot4x3(float[] a, int ao, int k, MemorySegment bt, long bo, float[] c, int co, int ldc) {
        long rb = rowBytes(k);
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        int ub = S.loopBound(k);
        for (int p = 0; p < ub; p += L) {
            long bp = bo + (long) p * Float.BYTES;
            FloatVector b0 = FloatVector.fromMemorySegment(S, bt, bp, NATIVE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, bt, bp + rb, NATIVE);
            FloatVector b2 = FloatVector.fromMemorySegment(S, bt, bp + 2 * rb, NATIVE);
            FloatVector av = FloatVector.fromArray(S, a, ao + p);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.fromArray(S, a, ao + k + p);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.fromArray(S, a, ao + 2 * k + p);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
            av = FloatVector.fromArray(S, a, ao + 3 * k + p);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32);
        }
        c[co] = dotTail(a, ao, k, ub, bt, bo, VMath.sum(c00));
        c[co + 1] = dotTail(a, ao, k, ub, bt, bo + rb, VMath.sum(c01));
        c[co + 2] = dotTail(a, ao, k, ub, bt, bo + 2 * rb, VMath.sum(c02));
        c[co + ldc] = dotTail(a, ao + k, k, ub, bt, bo, VMath.sum(c10));
        c[co + ldc + 1] = dotTail(a, ao + k, k, ub, bt, bo + rb, VMath.sum(c11));
        c[co + ldc + 2] = dotTail(a, ao + k, k, ub, bt, bo + 2 * rb, VMath.sum(c12));
        c[co + 2 * ldc] = dotTail(a, ao + 2 * k, k, ub, bt, bo, VMath.sum(c20));
        c[co + 2 * ldc + 1] = dotTail(a, ao + 2 * k, k, ub, bt, bo + rb, VMath.sum(c21));
        c[co + 2 * ldc + 2] = dotTail(a, ao + 2 * k, k, ub, bt, bo + 2 * rb, VMath.sum(c22));
        c[co + 3 * ldc] = dotTail(a, ao + 3 * k, k, ub, bt, bo, VMath.sum(c30));
        c[co + 3 * ldc + 1] = dotTail(a, ao + 3 * k, k, ub, bt, bo + rb, VMath.sum(c31));
        c[co + 3 * ldc + 2] = dotTail(a, ao + 3 * k, k, ub, bt, bo + 2 * rb, VMath.sum(c32));
    }

    private static void dot1x3(float[] a, int ao, int k, MemorySegment bt, long bo, float[] c, int co) {
        long rb = rowBytes(k);
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0;
        int ub = S.loopBound(k);
        for (int p = 0; p < ub; p += L) {
            long bp = bo + (long) p * Float.BYTES;
            FloatVector av = FloatVector.fromArray(S, a, ao + p);
            c0 = av.fma(FloatVector.fromMemorySegment(S, bt, bp, NATIVE), c0);
            c1 = av.fma(FloatVector.fromMemorySegment(S, bt, bp + rb, NATIVE), c1);
            c2 = av.fma(FloatVector.fromMemorySegment(S, bt, bp + 2 * rb, NATIVE), c2);
        }
        c[co] = dotTail(a, ao, k, ub, bt, bo, VMath.sum(c0));
        c[co + 1] = dotTail(a, ao, k, ub, bt, bo + rb, VMath.sum(c1));
        c[co + 2] = dotTail(a, ao, k, ub, bt, bo + 2 * rb, VMath.sum(c2));
    }

    private static void dot1x1(float[] a, int ao, int k, MemorySegment bt, long bo, float[] c, int co) {
        FloatVector c0 = FloatVector.zero(S);
        int ub = S.loopBound(k);
        for (int p = 0; p < ub; p += L)
            c0 = FloatVector.fromArray(S, a, ao + p).fma(FloatVector.fromMemorySegment(S, bt, bo + (long) p * Float.BYTES, NATIVE), c0);
        c[co] = dotTail(a, ao, k, ub, bt, bo, VMath.sum(c0));
    }

    /** s + the products for p in [ub, k), fused, in increasing p (fma is exactly rounded: same bits everywhere). */
    private static float dotTail(float[] a, int ao, int k, int ub, MemorySegment bt, long bo, float s) {
        for (int p = ub; p < k; p++) s = Math.fma(a[ao + p], bt.get(Mat.FLOAT, bo + (long) p * Float.BYTES), s);
        return s;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Packing

    /** bp[jp][p][q] = b[pc + p, jc + jp*NR + q], zero past nc. Reads B row by row (sequential in memory). */
    private static void packB(Mat b, int pc, int kc, int jc, int nc, float[] bp) {
        MemorySegment seg = b.data();
        int panels = (nc + NR - 1) / NR;
        for (int p = 0; p < kc; p++) {
            long row = b.byteOffset(pc + p, jc);
            for (int jp = 0; jp < panels; jp++) {
                int dst = jp * kc * NR + p * NR;
                int jr = jp * NR;
                int w = Math.min(NR, nc - jr);
                long src = row + (long) jr * Float.BYTES;
                if (w == NR) {
                    FloatVector.fromMemorySegment(S, seg, src, NATIVE).intoArray(bp, dst);
                    FloatVector.fromMemorySegment(S, seg, src + (long) L * Float.BYTES, NATIVE).intoArray(bp, dst + L);
                    FloatVector.fromMemorySegment(S, seg, src + 2L * L * Float.BYTES, NATIVE).intoArray(bp, dst + 2 * L);
                } else {
                    for (int q = 0; q < NR; q++)
                        bp[dst + q] = q < w ? seg.get(Mat.FLOAT, src + (long) q * Float.BYTES) : 0f;
                }
            }
        }
    }

    /** ap[ir][p][r] = a[ic + ir*MR + r, pc + p]; rows past mc are zero (and never read). */
    private static void packA(float[] a, int aOff, int k, int ic, int mc, int pc, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = (ir / MR) * kc * MR;
            for (int r = 0; r < MR; r++) {
                int d = base + r;
                if (ir + r < mc) {
                    int src = aOff + (ic + ir + r) * k + pc;
                    for (int p = 0; p < kc; p++, d += MR) ap[d] = a[src + p];
                } else {
                    for (int p = 0; p < kc; p++, d += MR) ap[d] = 0f;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Micro-kernels: an h x NR tile of C (h = 4, 2, 1) over one k slice. All three perform exactly the same
    // operations per element, so which one a row lands in never changes its bits.

    private static void micro4(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] c, int co, int ldc, int w, boolean first, float[] bias, int col) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector av = FloatVector.broadcast(S, ap[ao]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12);
            av = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21); c22 = b2.fma(av, c22);
            av = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31); c32 = b2.fma(av, c32);
        }
        store(c00, c, co, 0, w, first, bias, col); store(c01, c, co, L, w, first, bias, col); store(c02, c, co, 2 * L, w, first, bias, col);
        co += ldc;
        store(c10, c, co, 0, w, first, bias, col); store(c11, c, co, L, w, first, bias, col); store(c12, c, co, 2 * L, w, first, bias, col);
        co += ldc;
        store(c20, c, co, 0, w, first, bias, col); store(c21, c, co, L, w, first, bias, col); store(c22, c, co, 2 * L, w, first, bias, col);
        co += ldc;
        store(c30, c, co, 0, w, first, bias, col); store(c31, c, co, L, w, first, bias, col); store(c32, c, co, 2 * L, w, first, bias, col);
    }

    private static void micro2(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] c, int co, int ldc, int w, boolean first, float[] bias, int col) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector av = FloatVector.broadcast(S, ap[ao]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12);
        }
        store(c00, c, co, 0, w, first, bias, col); store(c01, c, co, L, w, first, bias, col); store(c02, c, co, 2 * L, w, first, bias, col);
        co += ldc;
        store(c10, c, co, 0, w, first, bias, col); store(c11, c, co, L, w, first, bias, col); store(c12, c, co, 2 * L, w, first, bias, col);
    }

    private static void micro1(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] c, int co, int w, boolean first, float[] bias, int col) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector av = FloatVector.broadcast(S, ap[ao]);
            c00 = FloatVector.fromArray(S, bp, bo).fma(av, c00);
            c01 = FloatVector.fromArray(S, bp, bo + L).fma(av, c01);
            c02 = FloatVector.fromArray(S, bp, bo + 2 * L).fma(av, c02);
        }
        store(c00, c, co, 0, w, first, bias, col); store(c01, c, co, L, w, first, bias, col); store(c02, c, co, 2 * L, w, first, bias, col);
    }

    /**
     * Writes lanes [v0, v0+L) of a tile row (only those below w, the panel's valid width) to c at co + v0:
     * first k slice: c = acc (+ bias); later slices: c = c + acc.
     */
    private static void store(FloatVector acc, float[] c, int co, int v0, int w, boolean first, float[] bias, int col) {
        if (v0 + L <= w) {
            FloatVector r;
            if (!first) r = FloatVector.fromArray(S, c, co + v0).add(acc);
            else if (bias != null) r = acc.add(FloatVector.fromArray(S, bias, col + v0));
            else r = acc;
            r.intoArray(c, co + v0);
        } else if (v0 < w) {
            VectorMask<Float> mask = S.indexInRange(v0, w);
            FloatVector r;
            if (!first) r = FloatVector.fromArray(S, c, co + v0, mask).add(acc);
            else if (bias != null) r = acc.add(FloatVector.fromArray(S, bias, col + v0, mask));
            else r = acc;
            r.intoArray(c, co + v0, mask);
        }
    }
}
