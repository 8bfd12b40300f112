package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Matrix multiply with bias: the one kernel that carries most of GPT-2's FLOPs.
 * {@code matmul} is the fast path; {@code matmulScalar} is its scalar twin and reference.
 *
 * <h2>The vector path</h2>
 * GotoBLAS-style. A is packed once per chunk of up to {@code MCHUNK} rows, for all of k, in row tiles of
 * {@code MR} rows (the last one or two shorter, see {@link #tiles}), each as {@code [k][h]}. B is then packed per
 * call into a per-thread buffer in native memory (the weights themselves stay memory-mapped): one contiguous
 * {@code [k][NR]} panel all of k deep at a time, every row tile then running over it from the first k to the last
 * ({@link #panels}), or an {@code NC}-column block at a time in {@code KC}-deep slices copied row by row and swept
 * by {@code MC} rows at a time ({@link #rowBlocks}; see {@code WHOLE_MIN_M} for which). Up to
 * {@code DIRECT_M} rows of a B in native memory ({@code DIRECT_WIDE_M} for rows longer than {@code WHOLE_MAX_N})
 * skip the copy: the kernels read B's rows where they are, in {@code KC}-deep slices. B already packed
 * ({@link PackedB}, {@link PackedSegment}) is copied one whole panel at a time and swept the same way
 * ({@link #panels}). That is the AVX-512 path; AVX2 always packs B into a heap buffer: whole-k panels, copied one at
 * a time from packed panels, or packed {@code PANEL_GROUP} at a time from {@code NARROW_WHOLE_M} rows on (in k slices
 * at most {@code SLICE_K} deep), and from {@code NARROW_WIDE_WHOLE_M} rows for rows of B longer than
 * {@code WHOLE_MAX_N} while rows x k stays within {@code NARROW_WHOLE_MAX_MK} ({@link #narrowPanels}); else a
 * {@code KC x NARROW_NC} block at a time ({@link #narrowBlocks}). The micro-kernel keeps an {@code MR x NR} tile of C
 * in registers, broadcasting one A value per row and loading one B row piece per k step: 6 rows x 2 vectors (12
 * accumulators) on AVX2, whose 16 vector registers allow no more, and 7 rows x 3 vectors (21 accumulators) on
 * AVX-512, which has 32 ({@code WIDE}); there a 4-row tile over a KC x NC block takes two panels at once, 4 rows x 6
 * vectors ({@link #wide4x6}).
 * A single row (m = 1, e.g. only the last position recomputed) skips packing: it streams B's rows straight from
 * the segment into the C row (GEMV), with the same per-element operations as the micro-kernels.
 * Threads first pack A's row tiles between them, then split the columns (each packs only its own part of B), or the
 * rows when there are few columns ({@link #shareProduct}).
 * Weights multiplied many times can be packed once ({@link #pack} into a {@link PackedB}, all of B as micro-panels
 * [n/NR][k][NR] in native memory); a product over it skips the per-call packing (and the GEMV) and runs the same
 * kernels.
 *
 * <p>{@link #matmulTransposed} (the LM head: bt = wte [50257, E], usually few rows) does not transpose anything:
 * each output is a dot product along k. Up to 3 rows read bt's (mapped) rows straight from the segment, one a row
 * x 2 bt rows at a time: streaming bt sequentially is what its m = 1 case needs. From 4 rows on, a is packed in
 * row tiles of 3 to {@code MR} rows ({@link #dotTiles}), each block of bt rows is copied to a heap buffer with its
 * rows interleaved in groups of {@code DOT_G}, and register tiles of up to 6 rows of a x 2 rows of bt (12
 * accumulators; AVX2) or 7 x 3 (21; AVX-512) read both as one stream each.
 *
 * <h2>Determinism</h2>
 * Every output element is computed by the same sequence of operations whatever m, n, the row/column range it
 * falls in, the k slicing or the thread count: {@code c = bias[j]} (or 0), then {@code c = fma(a[i,p], b[p,j], c)}
 * for p = 0, 1, ..., k-1, one rounding per step. Between k slices the running sum waits in C exactly (a float
 * store and reload), so not even {@code KC} is part of the result. Work is split over output tiles only, never
 * over k. So results are bit-identical across runs, across thread counts, and a row computed alone equals the
 * same row computed inside a larger batch (the patching engine relies on this).
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

    /**
     * Whether this machine's vectors are 16 lanes or more (AVX-512): such CPUs have 32 vector registers where AVX2
     * has 16, and the micro-tile is chosen to fill them (see the micro-kernels). Nothing else depends on it: every
     * tile shape performs the same operations per element, so results are the same bits either way.
     */
    static final boolean WIDE = L >= 16;
    /** Rows of C per micro-tile: 7 with 32 vector registers, 6 with 16. */
    static final int MR = WIDE ? 7 : 6;
    /** Columns of C per micro-tile: three vectors with 32 vector registers, two with 16. */
    static final int NR = (WIDE ? 3 : 2) * L;
    /**
     * Depth of a k slice: a packed B micro-panel (KC x NR floats, 16 KB at 8 lanes, 48 KB at 16) is read once per
     * row tile of a row block. Not part of the result (the running sums wait in C between slices), so free to tune.
     */
    static final int KC = 256;
    /** Columns per packed B block (a multiple of NR): a KC x NC block (256 KB) stays in L2. */
    static final int NC = NR * Math.max(1, (256 + NR - 1) / NR);
    /** Rows that sweep one B micro-panel before the next (MC / MR whole tiles): their packed A (72 KB) stays in L2. */
    static final int MC = 72;
    /**
     * Up to this many rows (a chunk's, or a thread's share of one), the micro-kernels read B's rows where they are,
     * unpacked, when B is in native memory (mapped weights): a 48-column strip of B, KC rows deep (48 KB on AVX-512),
     * is read from memory by the first row tile and from the L1/L2 cache by the others, so copying it first costs more
     * than it saves. Zen 5, one thread, [T, 768] x [768, 2304], [768, 768], [768, 3072], [3072, 768], scratch builds
     * alternating (bench/README): at T = 8 1.3-2.2x faster than the row copies, at T = 16 1.3-1.6x, at T = 32 1.1-1.6x;
     * at T = 64 about the same but for [768, 3072], whose 12 KB row stride maps every row of a strip onto the same L1
     * sets (0.8-1.0x). That was 32 rows on both. With B's panels taken two at a time ({@link #rowBlocks}), AVX-512
     * reads in place up to 128 rows: same JVM alternating, mean time per round, in place against row copies, one thread
     * (two), B from memory (4-16 copies in turn): T = 48 [3072, 768] 1.16x (1.26x), T = 64 [768, 768] 1.20x (0.96x in a
     * noisy JVM, then 1.17-1.18x), [3072, 768] 1.13x (1.28x), [768, 3072] 1.06x (1.08x), T = 96 [768, 2304] 1.03x
     * (1.06x), T = 100 [768, 768] 1.11x (1.10x), T = 128 [768, 768] 1.11x (1.05x), [3072, 768] 1.09x (1.04x),
     * [768, 2304] 1.02x (1.04x), [768, 3072] 1.01x (1.02x); with one B kept in L3 at T = 128 1.01-1.14x. Above 128 it stops
     * paying (T = 200 [768, 768] 1.07x (0.98x), T = 255 [768, 3072] 0.99x (1.01x); T = 512 0.89-1.09x against the whole
     * panels used there). AVX2 never reads B in place (0): its kernels read B from a heap buffer ({@link #narrowBlocks}).
     */
    static final int DIRECT_M = WIDE ? 128 : 0;
    /**
     * For a B whose rows are longer than WHOLE_MAX_N floats (the LM head's 50257: every k step of a strip in another
     * page, B far beyond L3), reading it in place stops here, at fewer rows than DIRECT_M: above it the row copies
     * (KC x NC blocks) pay. Same JVM alternating, [T, 768] x [768, 50257], row copies against in place, one thread
     * (two), best call per round: T = 24 1.07-1.10x (1.00-1.01x), T = 32 1.07-1.08x (1.01-1.03x), and by the mean
     * time per round 1.07x (1.02x) and 1.05x (1.06x); but T = 20 0.98x (0.95x), T = 17 1.05x (0.96x), T = 16 1.02x
     * (1.00x), T = 12 0.98x (0.96x). With the panels taken two at a time, in place against row copies (mean time
     * per round): T = 24 1.02x (1.02x), T = 32 0.97x (1.00x); so still 20.
     */
    static final int DIRECT_WIDE_M = WIDE ? 20 : 0;
    /**
     * Columns per packed B block on AVX2 ({@link #narrowBlocks}; a KC x NARROW_NC block is 1 MB): packing then reads
     * 4 KB of each B row in one run. Zen 3, one thread, same JVM alternating, per-call packing (bench/README): against
     * 256 columns, KC 128 x 1024 ran 1.08-1.18x at T = 8, 32 and 128, and 1.12-1.18x where 64 rows deep; 256 deep
     * against 128, 1.01-1.08x; 2048 columns against 1024, 0.95-1.01x.
     */
    static final int NARROW_NC = 1024;
    /**
     * Floats between AVX2's packed micro-panels in the block buffer past their kc x NR: one 64-byte line. Without it
     * the panels sit 16 KB apart, and packing writes each B row's 64 pieces into one L1 set: packing a
     * [768, 3072] B ran at 6-9 GB/s, with the line 12-20 GB/s (Zen 3 VM, one thread, same JVM, in turn).
     */
    static final int PANEL_PAD = 64 / Float.BYTES;
    /**
     * AVX2's packed A: floats per k step of a 6- or 5-row tile (shorter tiles take their height, {@link #aStep});
     * each tile t starts at {@code t * ASTEP * k} ({@link #aAt}). With 8 the kernel's A index is a shift of the step,
     * not a multiply by 6 (see the note above {@link #narrow6}). For 4 rows and fewer the height is already cheap,
     * and 8 would double the A slice beside a 16 KB B panel in L1 (T = 8 as two 4-row tiles, as it was tiled then:
     * 0.97x with 8).
     * AVX-512 packs each tile at its own height from {@code tiles[t] * k}.
     */
    static final int ASTEP = 8;
    /** Row stride of a row-packed B block, in floats (see {@link #packedStride}). */
    static final int ROWLD = packedStride(NC);
    /**
     * Below this many flops the pool hand-off costs more than it saves. With the pool's threads parking at once,
     * AVX-512 needed 1 << 24 ([8, 768] x [768, 768] ran slower on two threads than on one at 1 << 22); now that they
     * spin between tasks ({@link Parallel}), 1 << 22 pays: one JVM alternating, two threads, best of 150 ms rounds,
     * [8, 768] x [768, 768] 231 against 160 GFLOP/s (one thread: 160), [4, 768] x [768, 768] 195 against 135,
     * [2, 768] x [768, 2304] 127 against 76, [3, 768] x [768, 3072] 142 against 85; 1 << 21 no better.
     */
    static final long PARALLEL_MIN_FLOPS = 1L << 22;

    /**
     * Per-thread buffers, reused across calls, each made on first use. AVX-512's B buffers are native memory (its
     * micro-kernels read B from native segments only), AVX2's are float[] (see the note above {@link #narrow6}).
     */
    private static final class Scratch {
        /** A KC x NC block of B copied row by row (KC rows at ROWLD), or a direct block's narrow last panel (AVX-512). */
        private MemorySegment block;

        MemorySegment block() {
            return block != null ? block : (block = Arena.ofAuto().allocate((long) KC * ROWLD * Float.BYTES, 64));
        }

        /** An edge tile [MR][NR]. */
        final float[] tile = new float[MR * NR];
        /** One panel [k][NR], packed per call or copied from packed panels, grown to the deepest k seen (576 KB at k = 3072). */
        private MemorySegment panel = MemorySegment.NULL;

        MemorySegment panel(int k) { return panel = atLeast(panel, (long) k * NR * Float.BYTES); }

        /** AVX2's block buffer ({@link #narrowBlocks}): NARROW_NC / NR micro-panels of KC x NR floats, PANEL_PAD apart. */
        private float[] blockArray;

        /** AVX2's whole-k panels or k slices of them ({@link #narrowPanels}): [ks][NR] each, PANEL_PAD apart, grown. */
        private float[] panelArray = new float[0];

        float[] panelArray(int panels, int k) {
            int need = Math.multiplyExact(panels, Math.addExact(Math.multiplyExact(k, NR), PANEL_PAD));
            if (panelArray.length < need) panelArray = new float[need];
            return panelArray;
        }

        float[] blockArray() {
            return blockArray != null ? blockArray : (blockArray = new float[NARROW_NC / NR * (KC * NR + PANEL_PAD)]);
        }

        /** buf when it holds at least {@code bytes}, else a new buffer of that size. */
        private static MemorySegment atLeast(MemorySegment buf, long bytes) {
            return buf.byteSize() >= bytes ? buf : Arena.ofAuto().allocate(bytes, 64);
        }
    }
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * c[m, n] = a[m, k] · b[k, n] + bias[n]  (c overwritten; bias may be null).
     * a, c row-major from aOff / cOff with row strides k / n; b = HuggingFace Conv1D layout [in, out].
     */
    public static void matmul(float[] a, int aOff, int m, int k, Mat b, float[] bias, float[] c, int cOff) {
        if (VectorInfo.ENABLED) matmulVector(a, aOff, m, k, b, bias, c, cOff);
        else matmulScalar(a, aOff, m, k, b, bias, c, cOff);
    }

    /**
     * B [k, n] packed once into the micro-kernels' layout, for weights that are multiplied many times (the patching
     * engine's layers): {@code data[jp][p][q] = b[p, jp·NR + q]}, one contiguous [k][NR] micro-panel per NR columns,
     * zero past n. A product with it skips the per-call packing of B (20-50% of a GEMM's time at the row counts of
     * a sweep) and gives the same bits as {@link #matmul(float[], int, int, int, Mat, float[], float[], int)}: the
     * micro-kernels and their order of operations are the same, only where B is read from differs.
     * Costs a copy of B (k · n rounded up to NR, floats) in native memory, which an automatic arena frees once the
     * record is unreachable: the micro-kernels read B from native segments only (see the note above them).
     */
    public record PackedB(MemorySegment data, int rows, int cols) {
        public PackedB {
            if (data == null) throw new IllegalArgumentException("packed B data is null");
            if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative packed B shape [" + rows + ", " + cols + "]");
            if (data.byteSize() != packedFloats(rows, cols) * Float.BYTES)
                throw new IllegalArgumentException("packed B [" + rows + ", " + cols + "] needs " + packedFloats(rows, cols)
                        + " floats, has " + data.byteSize() / Float.BYTES);
        }

        /** Bytes held (native memory, freed with the record). */
        public long bytes() { return data.byteSize(); }
    }

    /** Floats of a packed [k, n]: n rounded up to NR, times k. */
    public static long packedFloats(int k, int n) {
        return (long) (n + NR - 1) / NR * NR * k;
    }

    /** b [k, n] packed into {@link PackedB}'s layout (one pass over b, row by row). */
    public static PackedB pack(Mat b) {
        int k = b.rows(), n = b.cols();
        long floats = packedFloats(k, n);
        if (floats > Integer.MAX_VALUE - 16)
            throw new IllegalArgumentException("matrix [" + k + ", " + n + "] is too large to pack into one float array");
        // not LargeMemory: with each matrix on its own huge pages the sweep's products over these ran slower
        // (SweepBench, two threads, three rounds: 139-146 ms against 125-129 with -Dnci.hugePages=false)
        MemorySegment data = Arena.ofAuto().allocate(floats * Float.BYTES, 64);
        if (k > 0 && n > 0) packPanels(b, 0, n, data);
        return new PackedB(data, k, n);
    }

    /**
     * Columns [jc, jc + nc) of b [k, n] (jc a multiple of {@link #panelWidth()}) in {@link PackedB}'s layout, into
     * dst[0 ..): the panels jc / NR .. of {@code pack(b).data()}, which follow one another there, so a packed matrix
     * can be written a block of columns at a time without holding all of it ({@code packedFloats(k, nc)} floats).
     */
    public static void packColumns(Mat b, int jc, int nc, float[] dst) {
        int k = b.rows(), n = b.cols();
        if (jc < 0 || jc % NR != 0 || nc < 0 || jc + nc > n)
            throw new IllegalArgumentException("columns [" + jc + ", " + (jc + nc) + ") of a matrix with " + n
                    + " columns, starting at a multiple of " + NR);
        if (dst.length < packedFloats(k, nc))
            throw new IllegalArgumentException("packing " + nc + " columns of " + k + " rows needs " + packedFloats(k, nc)
                    + " floats, dst has " + dst.length);
        if (k > 0 && nc > 0) packPanels(b, jc, nc, MemorySegment.ofArray(dst));
    }

    /** c[m, n] = a[m, k] · b[k, n] + bias[n] over a {@link #pack packed} b: the same bits as the {@link Mat} overload. */
    public static void matmul(float[] a, int aOff, int m, int k, PackedB b, float[] bias, float[] c, int cOff) {
        check(a, aOff, m, k, b.rows(), b.cols(), c, cOff, "b");
        if (!VectorInfo.ENABLED) { // the scalar twin, over b read back out of its panels (a reference path: a copy is fine)
            matmulScalar(a, aOff, m, k, unpack(b), bias, c, cOff);
            return;
        }
        checkBias(bias, b.cols());
        run(a, aOff, m, k, b.cols(), null, b.data(), bias, c, cOff);
    }

    /** b as a row-major [k, n] heap matrix again: the inverse of {@link #pack}. */
    static Mat unpack(PackedB b) { return unpack(b.data(), b.rows(), b.cols()); }

    /** b as a row-major [k, n] heap matrix again: the inverse of writing {@link #pack}'s panels to a segment. */
    static Mat unpack(PackedSegment b) { return unpack(b.data(), b.rows(), b.cols()); }

    /** Packed panels of a [k, n] as a row-major heap matrix again. */
    static Mat unpack(MemorySegment panels, int k, int n) {
        float[] out = new float[Math.multiplyExact(k, n)];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) out[p * n + j] = panels.getAtIndex(Mat.FLOAT, ((long) (j / NR) * k + p) * NR + j % NR);
        return Mat.of(out, k, n);
    }

    /**
     * {@link PackedB}'s layout in any memory segment: typically a slice of a file mapped
     * read-only, written once from {@link PackedB#data()} (native byte order), so packed weights cost page cache
     * rather than heap and stay mapped like the weights they came from. A product with it copies one panel at a
     * time (a contiguous run of k · NR floats) into the per-thread buffer, a plain memory copy where per-call packing
     * gathers B's rows, then runs the same micro-kernels: the same bits as the {@link Mat} and {@link PackedB}
     * overloads.
     */
    public record PackedSegment(MemorySegment data, int rows, int cols) {
        public PackedSegment {
            if (data == null) throw new IllegalArgumentException("packed B segment is null");
            if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative packed B shape [" + rows + ", " + cols + "]");
            long need = packedFloats(rows, cols) * Float.BYTES;
            if (data.byteSize() != need)
                throw new IllegalArgumentException("packed B [" + rows + ", " + cols + "] needs " + need + " bytes, the segment has "
                        + data.byteSize());
        }

        /** b[p, j], read from its panel. */
        public float get(int p, int j) {
            if (p < 0 || p >= rows || j < 0 || j >= cols)
                throw new IndexOutOfBoundsException("[" + p + ", " + j + "] outside packed B [" + rows + ", " + cols + "]");
            return data.getAtIndex(Mat.FLOAT, ((long) (j / NR) * rows + p) * NR + j % NR);
        }
    }

    /** Columns per packed panel (NR: two vectors of this machine's species); part of a packed file's layout. */
    public static int panelWidth() { return NR; }

    /** c[m, n] = a[m, k] · b[k, n] + bias[n] over a {@link PackedSegment}: the same bits as the {@link Mat} overload. */
    public static void matmul(float[] a, int aOff, int m, int k, PackedSegment b, float[] bias, float[] c, int cOff) {
        check(a, aOff, m, k, b.rows(), b.cols(), c, cOff, "b");
        if (!VectorInfo.ENABLED) {
            matmulScalar(a, aOff, m, k, unpack(b), bias, c, cOff);
            return;
        }
        checkBias(bias, b.cols());
        run(a, aOff, m, k, b.cols(), null, b.data(), bias, c, cOff);
    }

    /**
     * c[m, n] = a[m, k] · b[k, n] + bias[n] for a caller that holds b and maybe a packed copy of it ({@code heap} or
     * {@code file}, at most one; both null for none): more than one row reads the copy, a single row streams b itself
     * (the GEMV reads each weight once; over a copy, one row ran 1.2-2.5x slower on the GPT-2-small shapes). The same
     * bits whichever is read.
     */
    public static void matmul(float[] a, int aOff, int m, int k, Mat b, PackedB heap, PackedSegment file, float[] bias,
                              float[] c, int cOff) {
        if (heap != null && file != null) throw new IllegalArgumentException("two packed copies of b given; pass at most one");
        int rows = heap != null ? heap.rows() : file != null ? file.rows() : b.rows();
        int cols = heap != null ? heap.cols() : file != null ? file.cols() : b.cols();
        if (rows != b.rows() || cols != b.cols())
            throw new IllegalArgumentException("packed copy [" + rows + ", " + cols + "] of b [" + b.rows() + ", " + b.cols() + "]");
        if (m == 1 || (heap == null && file == null) || !VectorInfo.ENABLED) {
            matmul(a, aOff, m, k, b, bias, c, cOff);
            return;
        }
        check(a, aOff, m, k, b.rows(), b.cols(), c, cOff, "b");
        checkBias(bias, b.cols());
        run(a, aOff, m, k, b.cols(), null, heap != null ? heap.data() : file.data(), bias, c, cOff);
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
        run(a, aOff, m, k, b.cols(), b, null, bias, c, cOff);
    }

    /** The Vector API implementation of {@link #matmulTransposed}, whatever {@code nci.vector} says. */
    public static void matmulTransposedVector(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff) {
        check(a, aOff, m, k, bt.cols(), bt.rows(), c, cOff, "bt");
        runTransposed(a, aOff, m, k, bt, c, cOff);
    }

    /**
     * The scalar twin, in the vector path's order: c = bias (or 0), then c = fma(a[i,p], b[p,j], c) for increasing
     * p. So it gives the vector path's bits exactly, and {@code -Dnci.vector=false} changes no result of matmul.
     */
    public static void matmulScalar(float[] a, int aOff, int m, int k, Mat b, float[] bias, float[] c, int cOff) {
        check(a, aOff, m, k, b.rows(), b.cols(), c, cOff, "b");
        checkBias(bias, b.cols());
        int n = b.cols();
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * n;
            for (int j = 0; j < n; j++) c[ci + j] = bias == null ? 0f : bias[j];
            for (int p = 0; p < k; p++) {
                float av = a[aOff + i * k + p];
                for (int j = 0; j < n; j++) c[ci + j] = Math.fma(av, b.get(p, j), c[ci + j]);
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

    /**
     * B is either a Mat (b, packed per call into the thread's buffer) or packed panels (seg: a {@link PackedB}'s or a
     * {@link PackedSegment}'s, copied a panel at a time); the other is null.
     */
    private static void run(float[] a, int aOff, int m, int k, int n, Mat b, MemorySegment seg, float[] bias, float[] c, int cOff) {
        if (m == 0 || n == 0) return;
        if (k == 0) { // empty sum: c = bias (or 0)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) c[cOff + i * n + j] = bias == null ? 0f : bias[j];
            return;
        }
        int threads = Parallel.threads();
        boolean parallel = threads > 1 && 2L * m * n * k >= PARALLEL_MIN_FLOPS;
        if (m == 1 && seg == null) { // one row: packing B would cost more than the product; stream B's rows instead
            int units = (n + GU - 1) / GU;
            // a second thread only pays when B is far too big for the caches (the LM head): measured on the
            // [1,3072]x[3072,768] block it halved the speed (30 -> 18 GFLOP/s), both threads sharing one L3 stream
            if (!parallel || units < 2 || 2L * n * k < GEMV_PARALLEL_MIN_FLOPS) gemv(a, aOff, k, b, bias, c, cOff, 0, n);
            else shared(units, threads, (s, e) -> gemv(a, aOff, k, b, bias, c, cOff, s * GU, Math.min(n, e * GU)));
            return;
        }
        // A is packed once per chunk of rows, for all of k (a small copy next to the product: 1/n of its flops)
        int chunk = Math.min(m, MCHUNK);
        float[] ap = aBuffer(WIDE ? chunk : (chunk + MR - 1) / MR * ASTEP, k);
        int nPanels = (n + NR - 1) / NR, nBlocks = (n + NC - 1) / NC;
        for (int r0 = 0; r0 < m; r0 += MCHUNK) {
            int rows = Math.min(MCHUNK, m - r0), cBase = cOff + r0 * n, aBase = aOff + r0 * k;
            int[] tiles = tiles(rows);
            int mPanels = tiles.length - 1;
            if (!parallel) {
                packA(a, aBase, tiles, k, ap, 0, mPanels);
                blocked(ap, tiles, k, n, b, seg, bias, c, cBase, 0, mPanels, 0, n);
            } else if (seg != null || nPanels >= 2 * threads) {
                // threads take columns: packed panels two or more at a time (nothing to pack per piece); B packed
                // per call in whole NC blocks where there are enough of them (a row-copy piece cut inside a block
                // would pack and sweep a narrow remainder block), else in panels, two or more at a time (when the
                // whole-panel path still packed six panels at once, single panels packed B's rows in 192-byte bits
                // and ran 0.95x at [128, 3072] x [3072, 768]; now that it packs one at a time anyway, pieces of one
                // panel ran 0.96-1.04x, no gain)
                boolean blocks = seg == null && nBlocks >= 2 * threads;
                int units = blocks ? nBlocks : nPanels, width = blocks ? NC : NR;
                int minPiece = blocks ? 1
                        : !WIDE && seg == null ? Math.min(NARROW_PIECE, (units + threads - 1) / threads) : 2;
                shareProduct(a, aBase, tiles, k, ap, threads, units, minPiece, (s, e) ->
                        blocked(ap, tiles, k, n, b, seg, bias, c, cBase, 0, mPanels, s * width, Math.min(n, e * width)));
            } else {                                                    // fewer than 2 panels a thread: rows
                shareProduct(a, aBase, tiles, k, ap, threads, mPanels, 1, (s, e) ->
                        blocked(ap, tiles, k, n, b, seg, bias, c, cBase, s, e, 0, n));
            }
        }
    }

    /**
     * One parallel product on the pool. The threads first pack A's row tiles between them (into ap, in
     * {@link #PACKS_PER_THREAD} pieces a thread, claimed one at a time), each waits until every piece is packed, then
     * they claim [0, units) of the product in shrinking pieces: a {@code 1 / (2 * threads)} share of what is left, at
     * least {@code minPiece} units, so the threads finish to within about one piece of each other. Which thread packs
     * a tile or computes a unit never changes a bit.
     * <p>Against A packed by the caller before the hand-off and fixed pieces of a quarter-thread's share (same JVM
     * alternating, two threads, Zen 5, bench/README): the 12 layers' products over the packed copy at T = 128
     * 1.07-1.10x, at T = 32 1.04x; the forward at 1x128 1.06x, at 1x32 1.05x; per-call products 1.02-1.17x
     * at T = 8-512 (T = 512 most: A is largest there), [32, 768] x [768, 50257] 1.00x.
     */
    private static void shareProduct(float[] a, int aOff, int[] tiles, int k, float[] ap, int threads, int units,
                                     int minPiece, Parallel.RangeBody body) {
        int mTiles = tiles.length - 1, packs = Math.min(mTiles, PACKS_PER_THREAD * threads);
        AtomicInteger nextPack = new AtomicInteger(), packed = new AtomicInteger(), next = new AtomicInteger();
        Parallel.forChunks(threads, 1, (x, y) -> {
            for (int u = nextPack.getAndIncrement(); u < packs; u = nextPack.getAndIncrement()) {
                try {
                    packA(a, aOff, tiles, k, ap, u * mTiles / packs, (u + 1) * mTiles / packs);
                } finally {
                    packed.incrementAndGet();   // even if it threw (the caller gets the exception): no thread hangs
                }
            }
            // a piece not yet packed belongs to a thread that is running: it finishes it
            while (packed.get() < packs) Thread.onSpinWait();
            for (int s = next.get(); s < units; s = next.get()) {
                int e = Math.min(units, s + Math.max(minPiece, (units - s) / (2 * threads)));
                if (next.compareAndSet(s, e)) body.run(s, e);
            }
        });
    }

    /**
     * AVX2, B packed per call and shared out by panels (n under 2 * threads NC blocks: n = 768 on two threads): a
     * thread's piece is at least this many panels (or its even share, if less), so that each packs B's rows in runs of
     * at least 512 bytes, not 128. Zen 3 VM, two threads, fresh JVMs in turn (eight each), 8 panels against 2:
     * [8, 3072] x [3072, 768] 25.2 against 21.5 GFLOP/s, [32, 3072] 55.1 against 48.4, [128, 3072] 81.3 against 79.4,
     * [512, 3072] 89.2 against 89.3, [8, 768] x [768, 768] 42.9 against 41.0, [128, 768] 100.5 against 93.9. Half the
     * panels each gained as much at k = 3072 but ran [768, 768] 0.88-0.98x.
     */
    static final int NARROW_PIECE = 8;

    /** Pieces per thread that A's packing is cut into inside a parallel product ({@link #shareProduct}). */
    private static final int PACKS_PER_THREAD = 2;

    /** Chunks per thread when work is shared out: small enough that a thread that starts late costs little. */
    private static final int CHUNKS_PER_THREAD = 4;

    /**
     * Runs body over [0, units) on the pool ({@link Parallel#forChunks}: threads claim chunks one at a time, and a
     * pool thread that starts late is not waited for). On this shared machine a pool thread often starts late or
     * gets only part of a core; with a fixed half each, the caller waited for it and two threads ran slower than
     * one. Which thread computes a chunk never changes its bits (the order of operations per element is fixed).
     */
    private static void shared(int units, int threads, Parallel.RangeBody body) {
        Parallel.forChunks(units, Math.max(1, units / (threads * CHUNKS_PER_THREAD)), body);
    }

    /**
     * Rows of A packed at a time; B is packed (or streamed) once per chunk, so a larger chunk packs B fewer times
     * (same-run A/B at m = 512, one thread: 1024 beat 256 by 8-20% on all four GPT-2 shapes). The A buffer is
     * [MCHUNK][k] floats per calling thread: 12 MB at k = 3072 (AVX2: 171 tiles of ASTEP rows' room, 16.8 MB).
     */
    static final int MCHUNK = 1024;

    /** The calling thread's A-packing buffer, grown to the largest [rows][k] asked for (pool threads only read it). */
    private static final ThreadLocal<float[][]> APACK = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private static float[] aBuffer(int rows, int k) {
        float[][] holder = APACK.get();
        int need = Math.multiplyExact(rows, k);
        if (holder[0].length < need) holder[0] = new float[need];
        return holder[0];
    }

    /**
     * The row tiles of a chunk of rows, as their first rows plus {@code rows} at the end: MR-row tiles, then the
     * remainder. With AVX-512 (MR = 7) a remainder of 1 to 3 rows after at least one full tile is taken with that
     * tile as two tiles of at least 4 rows instead (4 + 4, 5 + 4, 5 + 5): a 1- or 2-row tile keeps too few
     * accumulators busy to cover the FMA latency. With AVX2 (MR = 6) only a remainder of 3 is (5 + 4); 1 and 2 rows
     * keep a tile of their own behind a full 6-row one, since {@link #narrow6} runs four k steps a loop iteration.
     * Zen 3 VM, one thread, {@code ab2} (four fresh JVMs, the builds swapped in every other one), against the folded
     * tiles: 6 + 1 rows 1.27x ([7, 768] x [768, 2304]) and 1.13x ([13, 3072] x [3072, 768]); 6 + 2 rows at T = 8
     * 1.03-1.14x ([768, 3072] and [768, 2304]; 1.10x packed), T = 14 1.08x; two threads 1.03-1.11x at T = 8 and
     * 1.03x at T = 32; T = 128 1.00x. 6 + 3 ran 0.77-0.84x of 5 + 4 (T = 9 and 15). Which tile a row lands in never
     * changes its bits.
     */
    static int[] tiles(int rows) {
        return tiles(rows, MR, WIDE ? 1 : 3);
    }

    /** The row tiles of {@link #matmulTransposed}: its dot tiles take 3 to MR rows, so a remainder of 1 to 3 folds. */
    static int[] dotTiles(int rows) {
        return tiles(rows, MR, 1);
    }

    /**
     * Tiles of at most {@code mr} rows; a remainder r with {@code fold} &lt;= r &lt; 4 after at least one full tile
     * is taken with that tile as two tiles, the larger first (mr = 6: 4 + 3, 4 + 4, 5 + 4; mr = 7: 4 + 4, 5 + 4,
     * 5 + 5).
     */
    static int[] tiles(int rows, int mr, int fold) {
        int count = (rows + mr - 1) / mr, r = rows % mr;
        int[] start = new int[count + 1];
        for (int t = 0; t < count; t++) start[t] = t * mr;
        start[count] = rows;
        // mr + r rows as two tiles: the larger half first
        if (count >= 2 && r >= fold && r < 4) start[count - 1] = start[count - 2] + (mr + r + 1) / 2;
        return start;
    }

    /**
     * Each row tile t in [t0, t1) (see {@link #tiles}) of height h packed as [k][h] from ap[start[t] * k]:
     * ap[start[t]*k + p*h + r] = a[start[t] + r, p]. Each micro-kernel reads its tile at its own height, a
     * compile-time-constant stride. On AVX2, {@link #packNarrowA}'s layout instead.
     */
    private static void packA(float[] a, int aOff, int[] start, int k, float[] ap, int t0, int t1) {
        if (!WIDE) {
            packNarrowA(a, aOff, start, k, ap, t0, t1);
            return;
        }
        for (int t = t0; t < t1; t++) {
            int base = start[t] * k, h = start[t + 1] - start[t];
            if (h == 6) {
                // a full tile: written in order, its six rows read side by side. The whole packA measured 1.1-2.1x
                // faster with this than with the loop below for every tile (14-512 rows, k = 768 and 3072); for
                // the shorter tiles alone, the same order in a loop over r was slower than the loop below
                int s0 = aOff + start[t] * k, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k, s4 = s3 + k, s5 = s4 + k;
                for (int p = 0, d = base; p < k; p++, d += 6) {
                    ap[d] = a[s0 + p]; ap[d + 1] = a[s1 + p]; ap[d + 2] = a[s2 + p];
                    ap[d + 3] = a[s3 + p]; ap[d + 4] = a[s4 + p]; ap[d + 5] = a[s5 + p];
                }
                continue;
            }
            if (h == 7) {
                // AVX-512's full tile, the same way: [128, k] packed 1.5-1.7x faster than with the loop below
                // (k = 768 and 3072, 17 tiles of 7; 28 against 16 GB/s)
                int s0 = aOff + start[t] * k, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k, s4 = s3 + k, s5 = s4 + k, s6 = s5 + k;
                for (int p = 0, d = base; p < k; p++, d += 7) {
                    ap[d] = a[s0 + p]; ap[d + 1] = a[s1 + p]; ap[d + 2] = a[s2 + p]; ap[d + 3] = a[s3 + p];
                    ap[d + 4] = a[s4 + p]; ap[d + 5] = a[s5 + p]; ap[d + 6] = a[s6 + p];
                }
                continue;
            }
            for (int r = 0; r < h; r++) {
                int src = aOff + (start[t] + r) * k;
                for (int p = 0, d = base + r; p < k; p++, d += h) ap[d] = a[src + p];
            }
        }
    }

    /**
     * AVX2's {@link #packA}: each row tile t in [t0, t1) of height h as [k][aStep(h)] from ap[t * ASTEP * k],
     * ap[t*ASTEP*k + p*aStep(h) + r] = a[start[t] + r, p] (a 5-row tile leaves the rest of each step unused).
     */
    private static void packNarrowA(float[] a, int aOff, int[] start, int k, float[] ap, int t0, int t1) {
        for (int t = t0; t < t1; t++) {
            int base = aAt(start, t, k), h = start[t + 1] - start[t];
            if (h == 6) {   // a full tile: its six rows read side by side, as packA does
                int s0 = aOff + start[t] * k, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k, s4 = s3 + k, s5 = s4 + k;
                for (int p = 0, d = base; p < k; p++, d += ASTEP) {
                    ap[d] = a[s0 + p]; ap[d + 1] = a[s1 + p]; ap[d + 2] = a[s2 + p];
                    ap[d + 3] = a[s3 + p]; ap[d + 4] = a[s4 + p]; ap[d + 5] = a[s5 + p];
                }
                continue;
            }
            int step = aStep(h);
            for (int r = 0; r < h; r++) {
                int src = aOff + (start[t] + r) * k;
                for (int p = 0, d = base + r; p < k; p++, d += step) ap[d] = a[src + p];
            }
        }
    }

    /** AVX2's packed A: floats per k step of an h-row tile (ASTEP for 5 and 6 rows, h for fewer). */
    static int aStep(int h) {
        return h > 4 ? ASTEP : h;
    }

    /** Where row tile t's packed A starts: AVX2 {@code t * ASTEP * k}, AVX-512 {@code tiles[t] * k}. */
    static int aAt(int[] tiles, int t, int k) {
        return WIDE ? tiles[t] * k : t * ASTEP * k;
    }

    /**
     * C[rows of tiles t0..t1, j0..j1) of a packed row chunk (j0 a multiple of NR), all of k: over B (b) packed per
     * call a whole panel at a time or a block at a time, or read in place ({@link #panels} or {@link #rowBlocks}); or
     * over packed panels (seg), copied a panel at a time ({@link #panels}).
     */
    private static void blocked(float[] ap, int[] tiles, int k, int n, Mat b, MemorySegment seg, float[] bias,
                                float[] c, int cOff, int t0, int t1, int j0, int j1) {
        Scratch scratch = SCRATCH.get();
        if (!WIDE) {
            int rows = tiles[t1] - tiles[t0];
            // the depth of the panels' k slices (k: whole panels), or 0 for KC x NARROW_NC blocks
            int ks = seg != null ? k
                    : n <= WHOLE_MAX_N ? (rows >= NARROW_WHOLE_M ? sliceDepth(k) : 0)
                    : rows >= NARROW_WIDE_WHOLE_M && (long) rows * k <= NARROW_WHOLE_MAX_MK ? k : 0;
            if (ks > 0) narrowPanels(ap, tiles, k, ks, n, b, seg, bias, c, cOff, t0, t1, j0, j1, scratch);
            else narrowBlocks(ap, tiles, k, n, b, bias, c, cOff, t0, t1, j0, j1, scratch);
            return;
        }
        int rows = tiles[t1] - tiles[t0];
        boolean direct = seg == null && direct(b, rows, n);
        if (seg != null || (!direct && n <= WHOLE_MAX_N && (j1 - j0 < NC || rows >= WHOLE_MIN_M)))
            panels(ap, tiles, k, n, b, seg, bias, c, cOff, t0, t1, j0, j1, scratch);
        else
            rowBlocks(ap, tiles, k, n, b, direct, bias, c, cOff, t0, t1, j0, j1, scratch);
    }

    /** Whether the kernels read B's rows in place for a chunk of this many rows: a native B, DIRECT_M, DIRECT_WIDE_M. */
    static boolean direct(Mat b, int rows, int n) {
        return b.data().isNative() && rows <= (n <= WHOLE_MAX_N ? DIRECT_M : DIRECT_WIDE_M);
    }

    /**
     * On AVX-512, B is packed as whole-k panels ({@link #panels}) for a column range narrower than one NC block
     * (two threads splitting n = 768 into pieces of 48-192 columns) or from this many rows on, and only for B rows of at
     * most WHOLE_MAX_N floats; else as KC x NC row copies ({@link #rowBlocks}). Same-JVM A/B, Zen 5, whole panels
     * against row copies: two threads at n = 768 1.07-1.21x (T = 64-512), T = 512 1.04-1.07x on one thread and
     * 1.07-1.12x on two; but at T = 128 over a B that comes from memory 0.93-0.96x for full-width ranges, and for
     * the LM-head shape (n = 50257, 201 KB rows) 0.89x at T = 128 and 0.99x at T = 256 on one thread, 0.53x, 0.74x
     * and 0.88x at T = 128, 256 and 512 on two (bench/README). AVX2 takes its own paths ({@link #narrowPanels},
     * {@link #narrowBlocks}; see NARROW_WHOLE_M).
     */
    static final int WHOLE_MIN_M = 256, WHOLE_MAX_N = 4096;

    /**
     * C over B a KC x NC block at a time, row tiles in groups of MC rows: B's rows read where they are ({@code direct}:
     * at most DIRECT_M rows of a native B; only a block's narrow last panel is copied, the kernels read NR columns),
     * or the block copied row by row into the thread's buffer at the stride ROWLD. On AVX-512 the panels go two at a
     * time where two whole ones remain: a 4-row tile takes both in one kernel ({@link #wide4x6}), other tiles one
     * after the other (with the row copies, pairs against single panels: 1.00-1.02x at T = 24-128, no change).
     */
    private static void rowBlocks(float[] ap, int[] tiles, int k, int n, Mat b, boolean direct, float[] bias,
                                  float[] c, int cOff, int t0, int t1, int j0, int j1, Scratch scratch) {
        MemorySegment bp = scratch.block();
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean first = pc == 0;
                if (!direct) packRows(b, pc, kc, jc, nc, bp);
                else if (nc % NR != 0) packRows(b, pc, kc, jc + nc / NR * NR, nc % NR, bp);
                for (int tc = t0; tc < t1; tc += MC / MR) {
                    int te = Math.min(t1, tc + MC / MR);
                    for (int jr = 0; jr < nc; ) {
                        // valid columns: two whole panels side by side where there are (AVX-512), else one panel
                        int w = jr + 2 * NR <= nc ? 2 * NR : Math.min(NR, nc - jr);
                        int col = jc + jr;
                        // this k slice: in B itself, or in the buffer (a direct block's edge panel at its start)
                        boolean inB = direct && w >= NR;
                        MemorySegment src = inB ? b.data() : bp;
                        long bo = inB ? b.byteOffset(pc, col) : Float.BYTES * (direct ? 0L : jr);
                        long ldb = inB ? (long) b.cols() * Float.BYTES : ROWLD * Float.BYTES;
                        for (int t = tc; t < te; t++) {
                            int h = tiles[t + 1] - tiles[t];
                            int ao = tiles[t] * k + pc * h;      // tile t, row p = pc
                            int co = cOff + tiles[t] * n + col;
                            if (w == 2 * NR) {
                                if (first) {
                                    startRows(c, co, n, h, bias, col);
                                    startRows(c, co + NR, n, h, bias, col + NR);
                                }
                                if (h == 4) {
                                    wide4x6(ap, ao, src, bo, ldb, kc, c, co, n);
                                } else {
                                    micro(h, ap, ao, src, bo, true, ldb, kc, c, co, n);
                                    micro(h, ap, ao, src, bo + NR * Float.BYTES, true, ldb, kc, c, co + NR, n);
                                }
                            } else if (w == NR) {
                                if (first) startRows(c, co, n, h, bias, col);
                                micro(h, ap, ao, src, bo, true, ldb, kc, c, co, n);
                            } else {
                                microEdge(h, ap, ao, src, bo, true, ldb, kc, c, co, n, w, first, bias, col, scratch.tile);
                            }
                        }
                        jr += Math.max(w, NR);
                    }
                }
            }
        }
    }

    /**
     * C[rows of tiles t0..t1, j0..j1) one panel at a time, all of k deep, in the thread's panel buffer ([k][NR],
     * 144 KB at k = 768, 576 KB at 3072: L2): packed there from b, or copied there from packed panels (seg); then
     * every row tile in turn over it ({@link #panelTiles}), so each tile's accumulators stay in registers from the
     * first k to the last and C is written once. The same operations per element as {@link #rowBlocks}: k slices
     * never change the bits.
     * <p>One panel packed at a time, not a whole NC block of them (same-JVM A/B, Zen 5, 2026-11-28, bench/README):
     * [T, 3072] x [3072, 768] at T = 256 and 512 1.00-1.11x on one thread (B in L3 or from memory), 1.02-1.08x on
     * two; the other shapes at T = 256-1024 1.00-1.06x; AVX2 0.98-1.01x; a heap B 0.93-1.05x. A block at k = 3072 is
     * 3.5 MB, and even at k = 768 (864 KB) its panels leave L2 as A streams through, before the row tiles come to
     * them; each panel packed just before its sweep is still there. Packing two panels at a time at k = 768 ran
     * 0.98-1.00x. Per call, products at T = 512 now run within 2-4% of those over B packed ahead (one thread).
     * <p>Why copy packed panels: a forward reads its packed weights from memory (340 MB for GPT-2 small, far more
     * than the caches), and one contiguous copy per panel streams them at memory-copy speed, where the kernels' own
     * loads (3 vectors between 21 FMAs) leave the memory system idle. Two threads, 20 forwards each, fresh JVMs
     * alternating (Zen 5, bench/README): 1x128 118-148 ms with the copy against 209-210 reading the mapped panels in
     * place, 16x32 546-557 against 642-721; against the former copies of KC x NC blocks no difference beyond the
     * noise (more rounds: 124-165 against 120-195 ms at 1x128). For a B the L3 cache keeps between calls (one
     * [8, 768] x [768, 2304] in a loop) reading in place was faster (165-185 GFLOP/s on one thread against 60-100),
     * but a model's weights are not such a B.
     */
    private static void panels(float[] ap, int[] tiles, int k, int n, Mat b, MemorySegment seg, float[] bias,
                               float[] c, int cOff, int t0, int t1, int j0, int j1, Scratch scratch) {
        MemorySegment bp = scratch.panel(k);
        long panelBytes = (long) k * NR * Float.BYTES;
        for (int col = j0; col < j1; col += NR) {
            int w = Math.min(NR, j1 - col);
            if (seg != null) MemorySegment.copy(seg, col / NR * panelBytes, bp, 0, panelBytes);
            else packPanels(b, col, w, bp);
            panelTiles(ap, tiles, k, n, bp, 0, w, bias, c, cOff, t0, t1, col, scratch);
        }
    }

    /**
     * Columns [col, col + w) of C (w <= NR valid columns) for the rows of tiles t0..t1, over one packed panel ([k][NR]
     * at byte bo of bp): every row tile in turn, each over all of k, starting from the bias row (or zeros).
     */
    private static void panelTiles(float[] ap, int[] tiles, int k, int n, MemorySegment bp, long bo, int w, float[] bias,
                                   float[] c, int cOff, int t0, int t1, int col, Scratch scratch) {
        for (int t = t0; t < t1; t++) {
            int h = tiles[t + 1] - tiles[t];
            int ao = tiles[t] * k;
            int co = cOff + tiles[t] * n + col;
            if (w == NR) {
                startRows(c, co, n, h, bias, col);
                micro(h, ap, ao, bp, bo, false, 0, k, c, co, n);
            } else {
                microEdge(h, ap, ao, bp, bo, false, 0, k, c, co, n, w, true, bias, col, scratch.tile);
            }
        }
    }

    /**
     * Sets the h rows of C's tile at co (row stride ldc, NR wide) to bias[col..col + NR), or to zeros without a bias:
     * where the accumulators of the first k slice start.
     */
    private static void startRows(float[] c, int co, int ldc, int h, float[] bias, int col) {
        // vector stores of the kernel's own width: its loads then take them straight from the store buffer
        for (int v = 0; v < NR; v += L) {
            FloatVector row = bias != null ? FloatVector.fromArray(S, bias, col + v) : FloatVector.zero(S);
            for (int r = 0; r < h; r++) row.intoArray(c, co + r * ldc + v);
        }
    }

    /**
     * The column edge of C's tile at co (w &lt; NR valid columns): the same kernel over a zero-padded copy of the tile
     * (in {@code tile}), starting from the bias row, or zeros, on the first k slice and from C on later ones; then
     * the w valid columns go back to C.
     */
    private static void microEdge(int h, float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                                  float[] c, int co, int ldc, int w, boolean first, float[] bias, int col, float[] tile) {
        for (int r = 0; r < h; r++)
            for (int q = 0; q < NR; q++)
                tile[r * NR + q] = q >= w ? 0f : !first ? c[co + r * ldc + q] : bias != null ? bias[col + q] : 0f;
        micro(h, ap, ao, bp, bo, rows, ldb, kc, tile, 0, NR);
        for (int r = 0; r < h; r++) System.arraycopy(tile, r * NR, c, co + r * ldc, w);
    }

    /** The AVX-512 kernels' dispatch (AVX2 runs {@link #narrow} over heap panels instead). */
    private static void micro(int h, float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                              float[] c, int co, int ldc) {
        switch (h) {
            case 7 -> wide7(ap, ao, bp, bo, rows, ldb, kc, c, co, ldc);
            case 6 -> wide6(ap, ao, bp, bo, rows, ldb, kc, c, co, ldc);
            case 5 -> wide5(ap, ao, bp, bo, rows, ldb, kc, c, co, ldc);
            case 4 -> wide4(ap, ao, bp, bo, rows, ldb, kc, c, co, ldc);
            case 3 -> wide3(ap, ao, bp, bo, rows, ldb, kc, c, co, ldc);
            case 2 -> wide2(ap, ao, bp, bo, rows, ldb, kc, c, co, ldc);
            default -> wide1(ap, ao, bp, bo, rows, ldb, kc, c, co, ldc);
        }
    }

    /**
     * AVX2's product over B packed per call below NARROW_WHOLE_M rows, or for B rows longer than WHOLE_MAX_N below
     * NARROW_WIDE_WHOLE_M rows or where rows x k exceeds NARROW_WHOLE_MAX_MK: C[rows of tiles t0..t1, j0..j1) over B
     * a KC x NARROW_NC block at a time, packed into the thread's heap buffer as KC-deep micro-panels; then row tiles
     * in groups of MC rows, each group over every panel of the block in turn. The 6 x 2 kernels read B from that
     * float[] (see the note above {@link #narrow6}), so AVX2 never reads B in place.
     */
    private static void narrowBlocks(float[] ap, int[] tiles, int k, int n, Mat b, float[] bias,
                                     float[] c, int cOff, int t0, int t1, int j0, int j1, Scratch scratch) {
        float[] bp = scratch.blockArray();
        for (int jc = j0; jc < j1; jc += NARROW_NC) {
            int nc = Math.min(NARROW_NC, j1 - jc), np = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packNarrow(b, pc, kc, jc, nc, bp);
                for (int tc = t0; tc < t1; tc += MC / MR) {
                    int te = Math.min(t1, tc + MC / MR);
                    for (int jp = 0; jp < np; jp++) {
                        int col = jc + jp * NR, w = Math.min(NR, nc - jp * NR), bo = jp * (kc * NR + PANEL_PAD);
                        for (int t = tc; t < te; t++) {
                            int h = tiles[t + 1] - tiles[t];
                            narrowTile(h, ap, aAt(tiles, t, k) + pc * aStep(h), bp, bo, kc, c, cOff + tiles[t] * n + col, n, w,
                                    pc == 0, bias, col, scratch.tile);
                        }
                    }
                }
            }
        }
    }

    /**
     * AVX2's products over B packed per call take whole-k panels ({@link #narrowPanels}; k slices of them beyond
     * SLICE_K) from this many rows on, KC x NARROW_NC blocks ({@link #narrowBlocks}) below; over packed panels they
     * always take whole-k panels. Zen 3,
     * one thread, same JVM in turn, whole panels against blocks: per call T = 512 1.06-1.14x, T = 256 1.14x, T = 128
     * 0.99-1.05x, T = 64 0.92x, T = 32 0.85x (packing a panel reads B 64 bytes a row); over packed panels T = 8-512
     * 1.01-1.17x.
     */
    static final int NARROW_WHOLE_M = 256;
    /**
     * ... and from this many rows for a B whose rows are longer than WHOLE_MAX_N floats (the LM head's shape: 154 MB,
     * read from memory). Zen 3 VM, one thread, whole panels against blocks ({@code ab2}: six fresh JVMs, the two
     * builds swapped in every other one, geometric mean), [T, 768] x [768, 50257]: T = 128 1.167x (1.09-1.31 per
     * JVM), T = 64 1.162x, T = 32 1.063x, but T = 16 0.975x and T = 8 0.905x; two threads (fresh JVMs in turn, six
     * each): T = 128 1.16x, T = 64 1.15x, T = 32 1.00x. A B that stays in L3 gains nothing from it below 256 rows:
     * [768, 768], [768, 2304] and [768, 3072] at T = 128 0.999-1.048x and at T = 64 0.979-1.000x; [768, 3072] at
     * T = 32 0.871x and at T = 8 0.674x.
     */
    static final int NARROW_WIDE_WHOLE_M = 32;
    /**
     * ... but only while rows × k stays at or below this (A packed is then at most 5.6 MB, at 8 floats a k step of
     * 6 rows): each whole panel streams all of A, from L3 once A outgrows L2, where a KC × NARROW_NC block is swept by
     * MC rows of A at a time. (This bound was measured where it now no longer applies, on B rows up to WHOLE_MAX_N,
     * which take k slices instead: Zen 3 VM, one thread, blocks against whole panels, same JVM in turn, four fresh
     * JVMs, 2026-11-29: [512, 3072] x [3072, 768] 1.23x and 1.24x (rows × k = 1.57M), [384, 3072] 0.98x (1.18M),
     * [256, 3072] 0.87x, [512, 768] x [768, 768] 0.83x, [512, 768] x [768, 2304] 0.80x; on two threads, fresh JVMs in
     * turn, [512, 3072] the same within the noise, 72-82 GFLOP/s either way.)
     */
    static final long NARROW_WHOLE_MAX_MK = 1L << 20;

    /**
     * AVX2's product over whole-k panels, or over k slices of them ks deep: copied from packed panels (seg) into the
     * thread's heap panel buffer one at a time, or packed from b {@link #panelGroup} at a time; then each row tile
     * over every panel of the group in turn, its accumulators in registers from the slice's first k to its last (C
     * written once a slice: the first slice starts from the bias row, later ones from C). A row tile's A is read
     * from L3 once a group, not once a panel: Zen 3 VM, against the group's panels one after the other, one thread
     * ({@code ab2}, six or eight fresh JVMs) [128, 768] x [768, 50257] 1.05-1.06x, [512, 768] x [768, 50257] 1.08x,
     * [512, 768] x [768, 2304] 1.05x, [512, 768] x [768, 3072] 1.03x, [32, 768] x [768, 50257] and [512, 3072] x
     * [3072, 768] 1.01x; two threads (fresh JVMs in turn) 1.02-1.07x on three of them.
     */
    private static void narrowPanels(float[] ap, int[] tiles, int k, int ks, int n, Mat b, MemorySegment seg, float[] bias,
                                     float[] c, int cOff, int t0, int t1, int j0, int j1, Scratch scratch) {
        int g = seg != null ? 1 : panelGroup(ks);
        float[] bp = scratch.panelArray(g, ks);
        for (int pc = 0; pc < k; pc += ks) {
            int kc = Math.min(ks, k - pc), stride = kc * NR + PANEL_PAD;
            for (int c0 = j0; c0 < j1; c0 += g * NR) {
                int wg = Math.min(g * NR, j1 - c0);
                if (seg != null) MemorySegment.copy(seg, Mat.FLOAT, ((long) (c0 / NR) * k + pc) * NR * Float.BYTES, bp, 0, kc * NR);
                else packNarrow(b, pc, kc, c0, wg, bp);
                for (int t = t0; t < t1; t++) {
                    int h = tiles[t + 1] - tiles[t], ao = aAt(tiles, t, k) + pc * aStep(h), co = cOff + tiles[t] * n;
                    for (int col = c0, bo = 0; col < c0 + wg; col += NR, bo += stride)
                        narrowTile(h, ap, ao, bp, bo, kc, c, co + col, n, Math.min(NR, j1 - col), pc == 0, bias, col, scratch.tile);
                }
            }
        }
    }

    /**
     * Per call from NARROW_WHOLE_M rows, whole-k panels are cut into k slices of at most this depth, as even as they
     * go (k = 3072: four of 768). A whole panel's tiles stream all of A's packed rows past it (8.4 MB at
     * [512, 3072]), and a panel 3072 deep was packed one at a time (PANEL_GROUP_BYTES), reading 64 bytes of each B
     * row. A slice's tiles read a quarter of that, and four slice panels are packed at a time. Zen 3 VM, one thread,
     * {@code ab2} (six or eight fresh JVMs, the builds swapped in every other one), [T, 3072] x [3072, 768] against
     * the KC x NARROW_NC blocks (T &gt; 341) or whole panels (T = 256): T = 512 1.15x and 1.16x (slices of 768 and 512
     * deep; 1.11x and 1.10x for 1024 and 1536), T = 1024 1.09x, T = 384 1.08x, T = 256 1.08x; two threads (fresh
     * JVMs in turn) 1.04x and 1.02x at T = 512 and 256. Below 256 rows slices ran slower than the blocks (slices of
     * 512: T = 128 0.92x, T = 32 0.80x), and over packed panels (the forward's products, one panel at a time) slower
     * than whole panels but at T = 512 on one thread (T = 128 0.96x, T = 384 0.95x, T = 512 1.18x, and 0.99x on two
     * threads there): those keep whole ones.
     */
    static final int SLICE_K = 768;

    /** {@link #narrowPanels}'s k slice depth per call from NARROW_WHOLE_M rows: k, or even slices up to SLICE_K. */
    static int sliceDepth(int k) {
        int slices = (k + SLICE_K - 1) / SLICE_K;
        return (k + slices - 1) / slices;
    }

    /** Whole-k panels that {@link #narrowPanels} packs at a time from b: up to PANEL_GROUP, within PANEL_GROUP_BYTES. */
    static int panelGroup(int k) {
        return Math.max(1, Math.min(PANEL_GROUP, PANEL_GROUP_BYTES / (k * NR * Float.BYTES)));
    }

    /**
     * Packing one whole-k panel reads 64 bytes of each B row, each row in another page: from memory, one miss after
     * another that no prefetcher follows across pages. Four panels at a time read 256 bytes a row. Zen 3 VM, per call,
     * [512, 768] x [768, 50257] (B 154 MB, read from memory): one thread 1.12x (six fresh JVMs, the jars swapped in
     * every other one: 1.09-1.15x per JVM), two threads 1.11x (fresh JVMs in turn: 107.4 against 96.6 GFLOP/s, faster
     * in 6 of 6); with B in L3, [512, 768] x [768, 2304] 0.97x on one thread (0.92-1.02x per JVM) and 1.03x on two,
     * [256, 768] x [768, 3072] 0.99x: the noise. Two and eight panels at a time ran as four did.
     */
    static final int PANEL_GROUP = 4, PANEL_GROUP_BYTES = 256 << 10;

    /**
     * Rows [pc, pc + kc) of b's columns [jc, jc + nc) as kc-deep micro-panels: bp[jp * (kc * NR + PANEL_PAD) + p * NR + q] =
     * b[pc + p, jc + jp * NR + q], zero past nc, with vector loads and stores (MemorySegment.copy per 64-byte piece cost
     * more than the product at T = 8). A piece as wide as B's rows is read row after row, one sequential stream; a
     * narrower one (a block of a wider B, a group of whole-k panels, a thread's columns) PACK_ROWS rows at a time
     * across its panels. Two loops, not one with a row count of 1 or PACK_ROWS: that one loop ran the row-order
     * pieces 0.82-0.83x as fast ([8, 3072] x [3072, 768], [32, 768] x [768, 768]; six fresh JVMs each).
     */
    private static void packNarrow(Mat b, int pc, int kc, int jc, int nc, float[] bp) {
        MemorySegment seg = b.data();
        int whole = nc / NR, stride = kc * NR + PANEL_PAD;
        if (nc < b.cols()) {
            long ldb = (long) b.cols() * Float.BYTES;
            for (int p0 = 0; p0 < kc; p0 += PACK_ROWS) {
                int p1 = Math.min(kc, p0 + PACK_ROWS);
                long src = b.byteOffset(pc + p0, jc);
                for (int jp = 0; jp < whole; jp++) {
                    long at = src + (long) jp * NR * Float.BYTES;
                    for (int p = p0, dst = jp * stride + p0 * NR; p < p1; p++, dst += NR, at += ldb) {
                        FloatVector.fromMemorySegment(S, seg, at, NATIVE).intoArray(bp, dst);
                        FloatVector.fromMemorySegment(S, seg, at + L * Float.BYTES, NATIVE).intoArray(bp, dst + L);
                    }
                }
                if (whole * NR < nc)
                    for (int p = p0; p < p1; p++) packEdge(b, pc + p, jc + whole * NR, nc - whole * NR, bp, whole * stride + p * NR);
            }
            return;
        }
        for (int p = 0; p < kc; p++) {
            long src = b.byteOffset(pc + p, jc);
            for (int jp = 0; jp < whole; jp++) {
                int dst = jp * stride + p * NR;
                long at = src + (long) jp * NR * Float.BYTES;
                FloatVector.fromMemorySegment(S, seg, at, NATIVE).intoArray(bp, dst);
                FloatVector.fromMemorySegment(S, seg, at + L * Float.BYTES, NATIVE).intoArray(bp, dst + L);
            }
            if (whole * NR < nc) packEdge(b, pc + p, jc + whole * NR, nc - whole * NR, bp, whole * stride + p * NR);
        }
    }

    /** bp[dst .. dst + NR) = b's row r from column col, w of them, then zeros. */
    private static void packEdge(Mat b, int r, int col, int w, float[] bp, int dst) {
        long at = b.byteOffset(r, col);
        for (int q = 0; q < NR; q++) bp[dst + q] = q < w ? b.data().get(Mat.FLOAT, at + (long) q * Float.BYTES) : 0f;
    }

    /**
     * Rows that {@link #packNarrow} reads at a time from a piece narrower than B's rows: each row piece is a stream of
     * its own, a B row's length (up to 201 KB for the LM head) away from the next, so row by row the hardware meets
     * a new stream at every row; eight at a time it has eight going. Zen 3 VM, one thread, six fresh JVMs with the
     * jars swapped in every other one, per call: [8, 768] x [768, 2304] 1.23-1.28x, [8, 768] x [768, 50257]
     * 1.12-1.16x, [8, 768] x [768, 3072] 1.23x, at T = 32 1.06-1.08x, at T = 128 and 512 0.99-1.05x; two threads,
     * fresh JVMs in turn: T = 8 1.12-1.33x, T = 32 1.05-1.12x. A piece as wide as B's rows reads B as one stream, and
     * eight rows at a time ran 0.84x ([8, 3072] x [3072, 768]) and 0.89x (T = 32) there: it keeps the row order.
     */
    static final int PACK_ROWS = 8;

    /** The first k slice's starting row when there is no bias: NR zeros. */
    private static final float[] ZERO_ROW = new float[NR];

    /**
     * One h-row tile of C at co (row stride ldc, w <= NR valid columns from col) over a kc slice of the panel at bo of
     * bp: starting from the bias row (or zeros) on the first slice and from C on later ones. A column edge (w &lt; NR)
     * runs over a zero-padded copy of the tile, whose w valid columns then go back to C.
     */
    private static void narrowTile(int h, float[] ap, int ao, float[] bp, int bo, int kc, float[] c, int co, int ldc, int w,
                                   boolean first, float[] bias, int col, float[] tile) {
        if (w == NR) {
            if (!first) narrow(h, ap, ao, bp, bo, kc, c, co, ldc, c, co, ldc);
            else if (bias != null) narrow(h, ap, ao, bp, bo, kc, bias, col, 0, c, co, ldc);
            else narrow(h, ap, ao, bp, bo, kc, ZERO_ROW, 0, 0, c, co, ldc);
            return;
        }
        for (int r = 0; r < h; r++)
            for (int q = 0; q < NR; q++)
                tile[r * NR + q] = q >= w ? 0f : !first ? c[co + r * ldc + q] : bias != null ? bias[col + q] : 0f;
        narrow(h, ap, ao, bp, bo, kc, tile, 0, NR, tile, 0, NR);
        for (int r = 0; r < h; r++) System.arraycopy(tile, r * NR, c, co + r * ldc, w);
    }

    /**
     * The h-row kernel: C's tile at co (row stride ldc) = the tile read from ci at cio (row stride ldi) plus the kc
     * products. The first k slice reads the bias row (or zeros) for every row, ldi = 0; later ones read C itself.
     */
    private static void narrow(int h, float[] ap, int ao, float[] bp, int bo, int kc, float[] ci, int cio, int ldi,
                               float[] c, int co, int ldc) {
        switch (h) {
            case 6 -> narrow6(ap, ao, bp, bo, kc, ci, cio, ldi, c, co, ldc);
            case 5 -> narrow5(ap, ao, bp, bo, kc, ci, cio, ldi, c, co, ldc);
            case 4 -> narrow4(ap, ao, bp, bo, kc, ci, cio, ldi, c, co, ldc);
            case 3 -> narrow3(ap, ao, bp, bo, kc, ci, cio, ldi, c, co, ldc);
            case 2 -> narrow2(ap, ao, bp, bo, kc, ci, cio, ldi, c, co, ldc);
            default -> narrow1(ap, ao, bp, bo, kc, ci, cio, c, co);
        }
    }

    /** Columns per GEMV block: its slice of the C row (4 KB) stays in L1 while B's rows stream past. */
    private static final int GC = 1024;
    /** A single row is split over threads only from this many flops on (B of tens of MB, e.g. the LM head). */
    private static final long GEMV_PARALLEL_MIN_FLOPS = 1L << 25;
    /** Columns per unit of work when the GEMV is split over threads. */
    private static final int GU = 128;

    /**
     * c[0, j0..j1) for a single row of a: c = bias (or 0), then c = fma(a[p], b[p, :], c) for p = 0, 1, ...:
     * exactly the micro-kernels' operations per element, with B read row by row (four rows per pass over the
     * C slice, so C is loaded and stored once per four rows), sequentially, straight from its segment.
     */
    private static void gemv(float[] a, int aOff, int k, Mat b, float[] bias, float[] c, int cOff, int j0, int j1) {
        MemorySegment seg = b.data();
        long rs = (long) b.cols() * Float.BYTES;  // bytes between rows of B
        for (int jc = j0; jc < j1; jc += GC) {
            int nc = Math.min(GC, j1 - jc);
            int ub = S.loopBound(nc);
            VectorMask<Float> tail = S.indexInRange(ub, nc);
            int co = cOff + jc;
            if (bias == null) java.util.Arrays.fill(c, co, co + nc, 0f);
            else System.arraycopy(bias, jc, c, co, nc);
            int p = 0;
            for (; p + 4 <= k; p += 4) {
                FloatVector a0 = FloatVector.broadcast(S, a[aOff + p]), a1 = FloatVector.broadcast(S, a[aOff + p + 1]);
                FloatVector a2 = FloatVector.broadcast(S, a[aOff + p + 2]), a3 = FloatVector.broadcast(S, a[aOff + p + 3]);
                long row = b.byteOffset(p, jc);
                for (int j = 0; j < ub; j += L) {
                    long o = row + (long) j * Float.BYTES;
                    FloatVector acc = FloatVector.fromArray(S, c, co + j);
                    acc = FloatVector.fromMemorySegment(S, seg, o, NATIVE).fma(a0, acc);
                    acc = FloatVector.fromMemorySegment(S, seg, o + rs, NATIVE).fma(a1, acc);
                    acc = FloatVector.fromMemorySegment(S, seg, o + 2 * rs, NATIVE).fma(a2, acc);
                    acc = FloatVector.fromMemorySegment(S, seg, o + 3 * rs, NATIVE).fma(a3, acc);
                    acc.intoArray(c, co + j);
                }
                if (ub < nc) {
                    long o = row + (long) ub * Float.BYTES;
                    FloatVector acc = FloatVector.fromArray(S, c, co + ub, tail);
                    acc = FloatVector.fromMemorySegment(S, seg, o, NATIVE, tail).fma(a0, acc);
                    acc = FloatVector.fromMemorySegment(S, seg, o + rs, NATIVE, tail).fma(a1, acc);
                    acc = FloatVector.fromMemorySegment(S, seg, o + 2 * rs, NATIVE, tail).fma(a2, acc);
                    acc = FloatVector.fromMemorySegment(S, seg, o + 3 * rs, NATIVE, tail).fma(a3, acc);
                    acc.intoArray(c, co + ub, tail);
                }
            }
            for (; p < k; p++) {
                FloatVector a0 = FloatVector.broadcast(S, a[aOff + p]);
                long row = b.byteOffset(p, jc);
                for (int j = 0; j < ub; j += L)
                    FloatVector.fromMemorySegment(S, seg, row + (long) j * Float.BYTES, NATIVE)
                            .fma(a0, FloatVector.fromArray(S, c, co + j)).intoArray(c, co + j);
                if (ub < nc)
                    FloatVector.fromMemorySegment(S, seg, row + (long) ub * Float.BYTES, NATIVE, tail)
                            .fma(a0, FloatVector.fromArray(S, c, co + ub, tail)).intoArray(c, co + ub, tail);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // matmulTransposed: dot products along k, in tiles of up to 6 a rows x 2 bt rows.

    /** bt rows per dot tile, copied interleaved: 3 with 32 vector registers (7 x 3 = 21 accumulators), 2 with 16. */
    private static final int DOT_G = WIDE ? 3 : 2;

    /** bt rows per block: an a tile stays in L1 while a block of bt (~150 KB at k = 768) is reused from L2. */
    private static final int JB = 48;

    /** From this many rows on, a is packed into row tiles and each block of bt is copied, interleaved, to the heap. */
    static final int BT_COPY_M = 4;

    /** Per-thread interleaved copy of one block of bt rows ([JB][k] floats), grown to the largest k seen. */
    private static final ThreadLocal<float[][]> BTCOPY = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private static void runTransposed(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff) {
        int n = bt.rows();
        if (m == 0 || n == 0) return;
        int threads = Parallel.threads();
        boolean parallel = threads > 1 && 2L * m * n * k >= PARALLEL_MIN_FLOPS;
        float[] ap = m < BT_COPY_M ? null : aBuffer(Math.min(m, MCHUNK), k);
        for (int r0 = 0; r0 < m; r0 += MCHUNK) {
            int rows = Math.min(MCHUNK, m - r0), ao = aOff + r0 * k, co = cOff + r0 * n;
            if (rows < BT_COPY_M) {  // a row or three (the forward's last position): stream bt's rows from the segment
                if (!parallel) dotRows(a, ao, rows, k, bt, c, co, 0, n);
                else shared((n + JB - 1) / JB, threads, (s, e) -> dotRows(a, ao, rows, k, bt, c, co, s * JB, Math.min(n, e * JB)));
                continue;
            }
            int[] tiles = dotTiles(rows);
            int mTiles = tiles.length - 1;
            packDotA(a, ao, tiles, k, ap);
            if (!parallel) dotBlocked(ap, tiles, a, ao, k, bt, c, co, 0, mTiles, 0, n);
            else if (n >= rows) shared((n + JB - 1) / JB, threads, (s, e) ->
                    dotBlocked(ap, tiles, a, ao, k, bt, c, co, 0, mTiles, s * JB, Math.min(n, e * JB)));
            else shared(mTiles, threads, (s, e) -> dotBlocked(ap, tiles, a, ao, k, bt, c, co, s, e, 0, n));
        }
    }

    /** c[0..m, j0..j1) for a few rows: each row against bt's rows straight from the segment, two at a time. */
    private static void dotRows(float[] a, int aOff, int m, int k, Mat bt, float[] c, int cOff, int j0, int j1) {
        MemorySegment seg = bt.data();
        int n = bt.rows();
        for (int jb = j0; jb < j1; jb += JB) {
            int je = Math.min(j1, jb + JB);
            for (int r = 0; r < m; r++) {
                int ao = aOff + r * k, co = cOff + r * n;
                int j = jb;
                for (; j + 2 <= je; j += 2) dot1x2(a, ao, k, seg, bt.byteOffset(j, 0), c, co + j);
                for (; j < je; j++) dot1x1(a, ao, k, seg, bt.byteOffset(j, 0), c, co + j);
            }
        }
    }

    /**
     * Each row tile t (see {@link #tiles}) of height h, over the first loopBound(k) columns, as [p / L][h][L] from
     * ap[start[t] * k]: the h rows' vectors for the same p next to each other, so a tile's loads are one stream.
     */
    private static void packDotA(float[] a, int aOff, int[] start, int k, float[] ap) {
        int ub = S.loopBound(k);
        for (int t = 0; t + 1 < start.length; t++) {
            int base = start[t] * k, h = start[t + 1] - start[t];
            for (int r = 0; r < h; r++) {
                int src = aOff + (start[t] + r) * k;
                for (int p = 0; p < ub; p += L) System.arraycopy(a, src + p, ap, base + p * h + r * L, L);
            }
        }
    }

    /**
     * c[rows of tiles t0..t1, j0..j1) = a · btᵀ over all of k. Each block of JB bt rows is first copied to a heap
     * buffer with each pair of rows interleaved ([pair][p / L][2][L]), so the tile kernels read a and bt as one
     * stream each, with loads indexed by the loop counter (range checks hoisted); the copy (one pass over bt) is
     * shared by all the rows. The tiles leave their accumulators in {@code acc} and the sums are taken here: with
     * the reductions inside the kernel, C2 kept one of dot6x2's accumulators on the stack through the loop (seen in
     * the disassembly), and the whole ran at 0.64-0.87x the old tile at 32-512 rows. Same-JVM A/B against the
     * 4 x 2 tile over plain rows that this replaced, LM-head shape: 1.12-1.43x on one thread and 1.16-2.19x on two
     * at 16-512 rows, 0.92-1.23x at 4-8 (below 1 only at 4 and 8 rows, where copying bt is most of the work); the
     * same tiles over plain (not interleaved) bt rows ran 0.64-1.07x this. The arithmetic
     * per element is that of {@link #dot1x2}/{@link #dot1x1}.
     */
    private static void dotBlocked(float[] ap, int[] tiles, float[] a, int aOff, int k, Mat bt, float[] c, int cOff,
                                   int t0, int t1, int j0, int j1) {
        float[] buf = btBuffer(k), acc = new float[DOT_G * MR * L];
        // Blocks are JB rows (a multiple of DOT_G), so only the matrix's last block can end in a part group: its
        // last rows are done after them.
        // One call per block, not one long loop: in a fresh JVM a long loop was compiled on stack (OSR) from a
        // profile that had never left it, and each exit trapped back to the interpreter; C2 compiled this method
        // six times in a cold `nci sweep` (~0.9 s of compilation) and the first LM head ran ~1 s.
        int groupsEnd = j1 - (j1 - j0) % DOT_G;
        for (int jb = j0; jb < groupsEnd; jb += JB)
            dotBlock(ap, tiles, a, aOff, k, bt, c, cOff, t0, t1, jb, Math.min(groupsEnd, jb + JB), buf, acc);
        MemorySegment seg = bt.data();
        int n = bt.rows();
        for (int j = groupsEnd; j < j1; j++)          // the last bt rows short of a group, straight from the segment
            for (int i = tiles[t0]; i < tiles[t1]; i++)
                dot1x1(a, aOff + i * k, k, seg, bt.byteOffset(j, 0), c, cOff + i * n + j);
    }

    /**
     * c[rows of tiles t0..t1, jb..je) for a whole number of DOT_G-row groups of bt: copy them interleaved
     * ([group][p / L][DOT_G][L]), then every tile over them.
     */
    private static void dotBlock(float[] ap, int[] tiles, float[] a, int aOff, int k, Mat bt, float[] c, int cOff,
                                 int t0, int t1, int jb, int je, float[] buf, float[] acc) {
        int n = bt.rows(), ub = S.loopBound(k), groups = (je - jb) / DOT_G;
        MemorySegment seg = bt.data();
        for (int q = 0; q < groups; q++)
            for (int r = 0; r < DOT_G; r++) {
                long src = bt.byteOffset(jb + DOT_G * q + r, 0);
                for (int p = 0, d = q * DOT_G * ub + r * L; p < ub; p += L, d += DOT_G * L)
                    FloatVector.fromMemorySegment(S, seg, src + (long) p * Float.BYTES, NATIVE).intoArray(buf, d);
            }
        for (int t = t0; t < t1; t++) {
            int i = tiles[t], h = tiles[t + 1] - i, ao = i * k;
            for (int q = 0; q < groups; q++) {
                int j = jb + DOT_G * q, co = cOff + i * n + j;
                dot(h, ap, ao, ub, buf, q * DOT_G * ub, acc);
                for (int r = 0; r < h; r++)
                    for (int jj = 0; jj < DOT_G; jj++) {
                        float sum = VMath.sum(FloatVector.fromArray(S, acc, (DOT_G * r + jj) * L));
                        c[co + r * n + jj] = ub == k ? sum : dotTail(a, aOff + (i + r) * k, k, ub, seg, bt.byteOffset(j + jj, 0), sum);
                    }
            }
        }
    }

    private static float[] btBuffer(int k) {
        float[][] holder = BTCOPY.get();
        int need = Math.multiplyExact(JB, k);
        if (holder[0].length < need) holder[0] = new float[need];
        return holder[0];
    }

    private static void dot(int h, float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        if (WIDE) {
            switch (h) {
                case 7 -> dot7x3(ap, ao, ub, bp, bo, acc);
                case 6 -> dot6x3(ap, ao, ub, bp, bo, acc);
                case 5 -> dot5x3(ap, ao, ub, bp, bo, acc);
                case 4 -> dot4x3(ap, ao, ub, bp, bo, acc);
                case 3 -> dot3x3(ap, ao, ub, bp, bo, acc);
                default -> throw new IllegalStateException("no dot tile of " + h + " rows");   // dotTiles() of >= 4 rows: 3..7
            }
            return;
        }
        switch (h) {
            case 6 -> dot6x2(ap, ao, ub, bp, bo, acc);
            case 5 -> dot5x2(ap, ao, ub, bp, bo, acc);
            case 4 -> dot4x2(ap, ao, ub, bp, bo, acc);
            case 3 -> dot3x2(ap, ao, ub, bp, bo, acc);
            default -> throw new IllegalStateException("no dot tile of " + h + " rows");   // dotTiles() of >= 4 rows: 3..6
        }
    }

    // Dot tiles, h a rows x 2 bt rows: accumulator (r, q) takes the lane-wise fma partial sums of a row r . bt row
    // q over p < ub, lane l taking p = l mod L in increasing p, and is stored to acc[(2r + q) * L ...]; the caller
    // reduces it with VMath.sum and adds the tail p >= ub: the operations of dot1x2/dot1x1 per element, in the same
    // order, so the same bits. a is a packed row tile [p / L][h][L] from ao, bt an interleaved pair [p / L][2][L]
    // from bo. dot6x2 and dot5x2 put an acquireFence between rows for the reason given at narrow6; dot4x2 and dot3x2
    // fit the 16 ymm registers even with every load hoisted (at most 8 + 2 + 4). Over a and bt as plain rows (eight
    // streams), fenced 6 x 2 and 4 x 3 tiles had run 0.70-0.99x the old 4 x 2 tile; packed and interleaved, 6 x 2
    // ran 1.5x it on a 72 x 48 block in L2 (75-79 against 46-52 GFLOP/s).

    private static void dot6x2(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 6 * p, bq = bo + 2 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + 3 * L);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + 4 * L);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + 5 * L);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c10.intoArray(acc, 2 * L); c11.intoArray(acc, 3 * L);
        c20.intoArray(acc, 4 * L); c21.intoArray(acc, 5 * L); c30.intoArray(acc, 6 * L); c31.intoArray(acc, 7 * L);
        c40.intoArray(acc, 8 * L); c41.intoArray(acc, 9 * L); c50.intoArray(acc, 10 * L); c51.intoArray(acc, 11 * L);
    }

    private static void dot5x2(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 5 * p, bq = bo + 2 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + 3 * L);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            VarHandle.acquireFence();
            av = FloatVector.fromArray(S, ap, aq + 4 * L);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c10.intoArray(acc, 2 * L); c11.intoArray(acc, 3 * L);
        c20.intoArray(acc, 4 * L); c21.intoArray(acc, 5 * L); c30.intoArray(acc, 6 * L); c31.intoArray(acc, 7 * L);
        c40.intoArray(acc, 8 * L); c41.intoArray(acc, 9 * L);
    }

    private static void dot4x2(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 4 * p, bq = bo + 2 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.fromArray(S, ap, aq + 3 * L);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c10.intoArray(acc, 2 * L); c11.intoArray(acc, 3 * L);
        c20.intoArray(acc, 4 * L); c21.intoArray(acc, 5 * L); c30.intoArray(acc, 6 * L); c31.intoArray(acc, 7 * L);
    }

    private static void dot3x2(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 3 * p, bq = bo + 2 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c10.intoArray(acc, 2 * L); c11.intoArray(acc, 3 * L);
        c20.intoArray(acc, 4 * L); c21.intoArray(acc, 5 * L);
    }

    /** Bytes between consecutive bt rows. */
    private static long rowBytes(int k) { return (long) k * Float.BYTES; }

    private static void dot1x2(float[] a, int ao, int k, MemorySegment bt, long bo, float[] c, int co) {
        long rb = rowBytes(k);
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        int ub = S.loopBound(k);
        for (int p = 0; p < ub; p += L) {
            long bp = bo + (long) p * Float.BYTES;
            FloatVector av = FloatVector.fromArray(S, a, ao + p);
            c0 = av.fma(FloatVector.fromMemorySegment(S, bt, bp, NATIVE), c0);
            c1 = av.fma(FloatVector.fromMemorySegment(S, bt, bp + rb, NATIVE), c1);
        }
        c[co] = dotTail(a, ao, k, ub, bt, bo, VMath.sum(c0));
        c[co + 1] = dotTail(a, ao, k, ub, bt, bo + rb, VMath.sum(c1));
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

    /**
     * bp[jp][p][q] = b[p, jc + jp*NR + q] for all k rows of b, zero past nc: columns [jc, jc + nc) of b as panels
     * [k][NR], each contiguous ({@link PackedB}'s layout). Reads B row by row.
     * <p>The panel pieces are copied with {@code MemorySegment.copy}, not with vector loads and stores (as fast:
     * bench/README), so that no vector load ever reads a heap segment: b may be a heap matrix ({@link Mat#of}), and
     * once {@code FloatVector.fromMemorySegment} has seen heap and native segments, C2 compiles the micro-kernels'
     * B loads with a type check and a liveness check per load, kept inside the loop. A [128, 768] x [768, 2304]
     * product over pre-packed B ran at 130-139 GFLOP/s in a JVM that had packed heap matrices with vector loads,
     * 179-182 in one that had copied them (Zen 5, one thread, two rounds).
     */
    private static void packPanels(Mat b, int jc, int nc, MemorySegment bp) {
        int k = b.rows();
        MemorySegment seg = b.data();
        int panels = (nc + NR - 1) / NR;
        for (int p = 0; p < k; p++) {
            long row = b.byteOffset(p, jc);
            for (int jp = 0; jp < panels; jp++) {
                long dst = ((long) jp * k + p) * NR * Float.BYTES;
                int jr = jp * NR;
                int w = Math.min(NR, nc - jr);
                long src = row + (long) jr * Float.BYTES;
                if (w == NR) {
                    // a copy, not vector loads and stores: see above
                    MemorySegment.copy(seg, src, bp, dst, NR * Float.BYTES);
                } else {
                    for (int q = 0; q < NR; q++)
                        bp.set(Mat.FLOAT, dst + (long) q * Float.BYTES, q < w ? seg.get(Mat.FLOAT, src + (long) q * Float.BYTES) : 0f);
                }
            }
        }
    }
    /**
     * Row stride of a packed B block nc wide: nc rounded up to NR, plus one more 64-byte line when that is an even
     * number of lines. B's own row strides (768, 2304, 3072 floats) are multiples of 1 KB, so a micro-panel read
     * down B's rows would map all its lines onto a few L1 sets; an odd number of lines walks all 64 sets.
     */
    static int packedStride(int nc) {
        int ldb = (nc + NR - 1) / NR * NR;
        int lines = ldb * Float.BYTES / 64;
        return lines % 2 == 0 ? ldb + 64 / Float.BYTES : ldb;
    }

    /**
     * bp[p * ROWLD + q] = b[pc + p, jc + q] for q < nc (nc ≤ NC), zero from nc up to the next multiple of NR: one
     * bulk copy per B row (a contiguous run, read sequentially), so packing costs no more than streaming B once.
     * {@code MemorySegment.copy} beat a loop of vector loads and stores here (same-run A/B, one thread, m = 8-32:
     * 4-30% faster GEMMs; the copy alone ~1.5x). Always at the stride ROWLD, the constant the micro-kernels read
     * row-packed blocks with.
     */
    private static void packRows(Mat b, int pc, int kc, int jc, int nc, MemorySegment bp) {
        MemorySegment seg = b.data();
        int padded = (nc + NR - 1) / NR * NR, ahead = touchRows(b, pc, nc);
        float touched = 0f;
        for (int p = 0; p < kc; p++) {
            long dst = (long) p * ROWLD * Float.BYTES;
            if (p < ahead) touched += touch(seg, b.byteOffset(pc + p + TOUCH_AHEAD, jc), nc);
            MemorySegment.copy(seg, b.byteOffset(pc + p, jc), bp, dst, (long) nc * Float.BYTES);
            for (int q = nc; q < padded; q++) bp.set(Mat.FLOAT, dst + (long) q * Float.BYTES, 0f);
        }
        touchedSum = touched;
    }

    /** How many B rows ahead row-copy packing reads the row piece it will copy then: see {@link #touch}. */
    static final int TOUCH_AHEAD = 8;

    /**
     * How many rows from pc on packing touches ahead for a chunk nc wide (see {@link #touch}): those with a row
     * TOUCH_AHEAD further down in B, or none for a chunk as wide as a block or as B.
     */
    private static int touchRows(Mat b, int pc, int nc) {
        return nc < NC && nc < b.cols() ? b.rows() - pc - TOUCH_AHEAD : 0;
    }

    /** Where packing leaves the sum of what {@link #touch} read, so that the JIT cannot drop those loads. */
    @SuppressWarnings("unused")
    private static float touchedSum;

    /**
     * Reads one float of every 64-byte line of the row piece at {@code at}, {@code floats} long, and returns their
     * sum (which nothing uses): a software prefetch, since the Vector API has none. Row-copy packing
     * ({@link #packRows}) calls it, TOUCH_AHEAD rows ahead of the row it copies, only for a column chunk narrower than
     * a block and than B (nc &lt; NC, nc &lt; n: B with fewer than two NC blocks per thread, e.g. n = 768 on two
     * threads, where the pieces are 48-192 columns wide). There every row piece is a separate 192-768-byte stream
     * that the hardware prefetchers pick up too late (a chunk as wide as B reads one contiguous stream). Same-JVM A/B
     * on two threads (2026-11-27): [T, 3072] x [3072, 768] 1.23-1.63x faster at T = 8, 32, 128; [T, 768] x
     * [768, 768] 0.83-1.14x, no clear change. On pieces of a whole block (1 KB) the same touches cost 13-21% (one
     * thread, T = 8 and 32), so wider chunks do not touch. Packing whole panels one at a time ({@link #panels}) does
     * not touch: with touches it ran 0.72-0.95x (two threads, T = 32-128, a heap B) and 0.94-1.00x (T = 512, a native
     * B, one and two threads; 2026-11-28).
     */
    private static float touch(MemorySegment seg, long at, int floats) {
        float s = 0f;
        for (int q = 0; q < floats; q += 64 / Float.BYTES) s += seg.get(Mat.FLOAT, at + (long) q * Float.BYTES);
        return s;
    }

    // ---------------------------------------------------------------------------------------------------------
    // AVX2's micro-kernels: an h x NR tile of C (h = 6, 5, ..., 1; NR = two vectors) over one k slice. The
    // accumulators start from C (where the driver has put the bias row, or zeros, before the first k slice, and where
    // later slices find the running sums), take one fma per p in increasing p, and go back to C: so every kernel
    // performs exactly the same operations per element, and which kernel a row lands in, or where the k slices are
    // cut, never changes its bits.
    //
    // B is read from a float[]: the thread's block of KC-deep micro-panels (narrowBlocks) or its whole-k panel
    // (narrowPanels), NR floats a row; A 8 floats a k step for 6 and 5 rows, h for fewer (packNarrowA); every
    // index is linear in p, so C2 hoists the range checks. Not from a native segment, as the AVX-512 kernels read B: with the fences below, C2 loads a segment's
    // bounds and scope again after every fence, and the 6 x 2 kernel ran at 31-39 GFLOP/s over a native panel in
    // L1 against 52-90 over the same panel in a float[] (Zen 3 VM, 2026-11-29, one thread, fresh JVMs in turn; the
    // FMA peak is ~92). Whole products over a packed B ran 1.6x faster, per-call ones 1.3x at T = 128 (bench/README).
    //
    // Why 6 x 2 vectors: 8 accumulators (4 x 2) are just enough to cover the FMA latency (2 pipes x 4 cycles)
    // and lose throughput at every hiccup; 12 leave slack (BLIS's Haswell/Zen tile; in C on this machine 6 x 2
    // ran 62-84 GFLOP/s where 4 x 2 ran 47-84, minute to minute). But C2 schedules a loop body's loads first:
    // plain 6 x 2 Java code holds 12 accumulators + 2 B vectors + the first broadcasts = 18+ ymm registers and
    // spills three accumulators through the stack every iteration (measured 32-40 GFLOP/s, against 51-89 for
    // the version below in the same minutes). So narrow6 and narrow5 put a VarHandle.acquireFence() between rows:
    // no memory operation may move across it, so each row's broadcast is loaded just before its two FMAs and
    // one broadcast register is live at a time (15 registers, no spills). On x86 the fence emits no
    // instruction; it only constrains C2's scheduling (checked in the disassembly). It orders nothing this
    // thread could observe differently: the kernels only read their inputs and write their own tile of C.
    // (Fences between pairs of rows only, two broadcasts live as in OpenBLAS's Haswell kernel, gave a loop of 27
    // instructions in a scratch class; in Gemm C2 sank a row's FMAs past the fence, spilled two accumulators and ran
    // 0.67-0.81x. The FMAs are not memory operations, so the fence does not hold them.)
    //
    // A is packed 8 floats a k step (ASTEP), not 6, and the kernels read their starting tile from ci (on the first k
    // slice the bias row, or zeros, for every row: ldi = 0; later C itself) and write C: C2 then computes the
    // broadcasts' index with one lea, no longer keeps A's array on the stack, and the loop has 28 instructions a k
    // step, not 32 (12 FMAs, 2 B loads, 6 broadcasts, 8 integer). On this VM that counts whenever the core's other
    // thread is busy (the "two speeds", bench/README). A panel in L1, one thread, fresh JVMs in turn: with the A step
    // alone (30 instructions) the loop ran 1.18x as fast as the old one where that ran below 60 GFLOP/s, and 1.00x
    // where it ran above 75; with the separate starting tile too, 62-64 GFLOP/s where the 30-instruction loop ran
    // 55-57. A loop of FMAs alone ran at 75-90 in both states: what the other thread takes is issue slots, not FMA
    // pipes.
    //
    // narrow6 takes four k steps a loop iteration, then the last kc mod 4 one at a time: the same fmas in the same
    // order, so the same bits. Written with one index pair an iteration and constant offsets from it, C2 keeps
    // everything in registers and the loop has 89 instructions for 48 FMAs, 22 a k step instead of 28 (OpenBLAS's
    // Haswell 16 x 6 kernel has 24: a prefetch, two pointer adds and a decrement in each of its 8 unrolled steps).
    // Zen 3 VM, one thread, `ab2` (six fresh JVMs, the jars swapped in every other one): [512, 3072] x [3072, 768]
    // 1.09x, packed [128, 768] x [768, 3072] 1.06x, [32, 3072] x [3072, 768] 1.04x, [128, 768] x [768, 2304]
    // 1.02-1.04x; two threads, fresh JVMs in turn, 1.01-1.06x. Two steps an iteration ran 0.94-1.01x of four
    // (1.01-1.02x of one), eight 0.97-1.00x. The price is C2's time on the bigger loop in a cold JVM: a first `nci
    // sweep` took 0.2-0.4 s longer (sweep_ms, six runs in turn), and 0.5-0.6 s with narrow5 unrolled too, which the
    // benchmarks' row counts never reach (tiles()), so narrow5 keeps one step. Written as one index pair a step (p + 1,
    // ...), the same unrolling left A's and B's arrays on the stack and reloaded them after every fence; the 4- to
    // 2-row kernels, which have no fences, need one between steps or C2 hoists all the loads and spills, and then ran
    // 0.93-0.95x at T = 8; the dot tiles unrolled so ran 0.84-0.87x. They keep one step.

    private static void narrow6(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] ci, int cio, int ldi, float[] c, int co, int ldc) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        c00 = FloatVector.fromArray(S, ci, cio); c01 = FloatVector.fromArray(S, ci, cio + L);
        c10 = FloatVector.fromArray(S, ci, cio + ldi); c11 = FloatVector.fromArray(S, ci, cio + ldi + L);
        c20 = FloatVector.fromArray(S, ci, cio + 2 * ldi); c21 = FloatVector.fromArray(S, ci, cio + 2 * ldi + L);
        c30 = FloatVector.fromArray(S, ci, cio + 3 * ldi); c31 = FloatVector.fromArray(S, ci, cio + 3 * ldi + L);
        c40 = FloatVector.fromArray(S, ci, cio + 4 * ldi); c41 = FloatVector.fromArray(S, ci, cio + 4 * ldi + L);
        c50 = FloatVector.fromArray(S, ci, cio + 5 * ldi); c51 = FloatVector.fromArray(S, ci, cio + 5 * ldi + L);
        int p = 0;
        for (int pu = kc - 3; p < pu; p += 4) {
            int bq = bo + p * NR, aq = ao + p * ASTEP;
            FloatVector b0, b1, av;
            b0 = FloatVector.fromArray(S, bp, bq); b1 = FloatVector.fromArray(S, bp, bq + L);
            av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51);
            // k step p + 1
            b0 = FloatVector.fromArray(S, bp, bq + NR); b1 = FloatVector.fromArray(S, bp, bq + NR + L);
            av = FloatVector.broadcast(S, ap[aq + ASTEP]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + ASTEP + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + ASTEP + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + ASTEP + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + ASTEP + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + ASTEP + 5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51);
            // k step p + 2
            b0 = FloatVector.fromArray(S, bp, bq + 2 * NR); b1 = FloatVector.fromArray(S, bp, bq + 2 * NR + L);
            av = FloatVector.broadcast(S, ap[aq + 2 * ASTEP]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 2 * ASTEP + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 2 * ASTEP + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 2 * ASTEP + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 2 * ASTEP + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 2 * ASTEP + 5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51);
            // k step p + 3
            b0 = FloatVector.fromArray(S, bp, bq + 3 * NR); b1 = FloatVector.fromArray(S, bp, bq + 3 * NR + L);
            av = FloatVector.broadcast(S, ap[aq + 3 * ASTEP]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 3 * ASTEP + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 3 * ASTEP + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 3 * ASTEP + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 3 * ASTEP + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 3 * ASTEP + 5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51);
        }
        for (; p < kc; p++) {
            int bq = bo + p * NR;
            int aq = ao + p * ASTEP;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L);
    }

    private static void narrow5(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] ci, int cio, int ldi, float[] c, int co, int ldc) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;
        c00 = FloatVector.fromArray(S, ci, cio); c01 = FloatVector.fromArray(S, ci, cio + L);
        c10 = FloatVector.fromArray(S, ci, cio + ldi); c11 = FloatVector.fromArray(S, ci, cio + ldi + L);
        c20 = FloatVector.fromArray(S, ci, cio + 2 * ldi); c21 = FloatVector.fromArray(S, ci, cio + 2 * ldi + L);
        c30 = FloatVector.fromArray(S, ci, cio + 3 * ldi); c31 = FloatVector.fromArray(S, ci, cio + 3 * ldi + L);
        c40 = FloatVector.fromArray(S, ci, cio + 4 * ldi); c41 = FloatVector.fromArray(S, ci, cio + 4 * ldi + L);
        for (int p = 0; p < kc; p++) {
            int bq = bo + p * NR;
            int aq = ao + p * ASTEP;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
            VarHandle.acquireFence();
            av = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L);
    }

    private static void narrow4(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] ci, int cio, int ldi, float[] c, int co, int ldc) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        c00 = FloatVector.fromArray(S, ci, cio); c01 = FloatVector.fromArray(S, ci, cio + L);
        c10 = FloatVector.fromArray(S, ci, cio + ldi); c11 = FloatVector.fromArray(S, ci, cio + ldi + L);
        c20 = FloatVector.fromArray(S, ci, cio + 2 * ldi); c21 = FloatVector.fromArray(S, ci, cio + 2 * ldi + L);
        c30 = FloatVector.fromArray(S, ci, cio + 3 * ldi); c31 = FloatVector.fromArray(S, ci, cio + 3 * ldi + L);
        for (int p = 0; p < kc; p++) {
            int bq = bo + p * NR;
            int aq = ao + p * 4;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
    }

    private static void narrow3(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] ci, int cio, int ldi, float[] c, int co, int ldc) {
        FloatVector c00, c01, c10, c11, c20, c21;
        c00 = FloatVector.fromArray(S, ci, cio); c01 = FloatVector.fromArray(S, ci, cio + L);
        c10 = FloatVector.fromArray(S, ci, cio + ldi); c11 = FloatVector.fromArray(S, ci, cio + ldi + L);
        c20 = FloatVector.fromArray(S, ci, cio + 2 * ldi); c21 = FloatVector.fromArray(S, ci, cio + 2 * ldi + L);
        for (int p = 0; p < kc; p++) {
            int bq = bo + p * NR;
            int aq = ao + p * 3;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
    }

    private static void narrow2(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] ci, int cio, int ldi, float[] c, int co, int ldc) {
        FloatVector c00, c01, c10, c11;
        c00 = FloatVector.fromArray(S, ci, cio); c01 = FloatVector.fromArray(S, ci, cio + L);
        c10 = FloatVector.fromArray(S, ci, cio + ldi); c11 = FloatVector.fromArray(S, ci, cio + ldi + L);
        for (int p = 0; p < kc; p++) {
            int bq = bo + p * NR;
            int aq = ao + p * 2;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L);
    }

    private static void narrow1(float[] ap, int ao, float[] bp, int bo, int kc,
                               float[] ci, int cio, float[] c, int co) {
        FloatVector c00, c01;
        c00 = FloatVector.fromArray(S, ci, cio); c01 = FloatVector.fromArray(S, ci, cio + L);
        for (int p = 0; p < kc; p++) {
            int bq = bo + p * NR;
            FloatVector av = FloatVector.broadcast(S, ap[ao + p]);
            c00 = FloatVector.fromArray(S, bp, bq).fma(av, c00);
            c01 = FloatVector.fromArray(S, bp, bq + L).fma(av, c01);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L);
    }

    // The AVX-512 micro-kernels (WIDE): an h x 3-vector tile, h = 7, ..., 1, with the same per-element operations as
    // the kernels above. With 32 vector registers C2's habit of loading a whole iteration's operands first costs
    // nothing up to 7 x 3: 21 accumulators + 3 B vectors + 7 broadcasts = 31 registers, no fence needed (an 8 x 3
    // tile needs 35, and C2 then kept three accumulators on the stack, load-fma-store every k step, and ran at
    // 60-70 GFLOP/s; fences did not stop it hoisting the broadcasts). Measured on a Zen 5 EPYC (2 vCPUs, one thread,
    // 2026-11-28, the four layer shapes, per-call packing of B, medians of three JVM runs alternating; bench/README):
    // 7 x 3 ran 137-143 GFLOP/s at T = 32 and 168-186 at T = 512, the 6 x 2 fenced tile 126-129 and 147-163, 8 x 2
    // 140-145 and 159-184, 6 x 3 119-145 and 156-181. (8 x 2 is faster at T = 8: one tile where 7 x 3 takes 4 + 4.)
    // The FMA peak of that machine (GemmBench.fmaPeak) is 213-222 GFLOP/s on one thread.

    private static void wide7(float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                              float[] c, int co, int ldc) {
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62;
        c00 = FloatVector.fromArray(S, c, co); c01 = FloatVector.fromArray(S, c, co + L); c02 = FloatVector.fromArray(S, c, co + 2 * L);
        c10 = FloatVector.fromArray(S, c, co + ldc); c11 = FloatVector.fromArray(S, c, co + ldc + L); c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L);
        c20 = FloatVector.fromArray(S, c, co + 2 * ldc); c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L); c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L);
        c30 = FloatVector.fromArray(S, c, co + 3 * ldc); c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L); c32 = FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L);
        c40 = FloatVector.fromArray(S, c, co + 4 * ldc); c41 = FloatVector.fromArray(S, c, co + 4 * ldc + L); c42 = FloatVector.fromArray(S, c, co + 4 * ldc + 2 * L);
        c50 = FloatVector.fromArray(S, c, co + 5 * ldc); c51 = FloatVector.fromArray(S, c, co + 5 * ldc + L); c52 = FloatVector.fromArray(S, c, co + 5 * ldc + 2 * L);
        c60 = FloatVector.fromArray(S, c, co + 6 * ldc); c61 = FloatVector.fromArray(S, c, co + 6 * ldc + L); c62 = FloatVector.fromArray(S, c, co + 6 * ldc + 2 * L);
        for (int p = 0; p < kc; p++) {
            long bq = rows ? bo + p * ldb : bo + p * (NR * 4L);
            int aq = ao + p * 7;
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, bq, NATIVE), b1 = FloatVector.fromMemorySegment(S, bp, bq + L * 4L, NATIVE), b2 = FloatVector.fromMemorySegment(S, bp, bq + 2 * L * 4L, NATIVE);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12);
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21); c22 = b2.fma(av, c22);
            av = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31); c32 = b2.fma(av, c32);
            av = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41); c42 = b2.fma(av, c42);
            av = FloatVector.broadcast(S, ap[aq + 5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51); c52 = b2.fma(av, c52);
            av = FloatVector.broadcast(S, ap[aq + 6]);
            c60 = b0.fma(av, c60); c61 = b1.fma(av, c61); c62 = b2.fma(av, c62);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L); c42.intoArray(c, co + 4 * ldc + 2 * L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L); c52.intoArray(c, co + 5 * ldc + 2 * L);
        c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + L); c62.intoArray(c, co + 6 * ldc + 2 * L);
    }

    private static void wide6(float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                              float[] c, int co, int ldc) {
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52;
        c00 = FloatVector.fromArray(S, c, co); c01 = FloatVector.fromArray(S, c, co + L); c02 = FloatVector.fromArray(S, c, co + 2 * L);
        c10 = FloatVector.fromArray(S, c, co + ldc); c11 = FloatVector.fromArray(S, c, co + ldc + L); c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L);
        c20 = FloatVector.fromArray(S, c, co + 2 * ldc); c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L); c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L);
        c30 = FloatVector.fromArray(S, c, co + 3 * ldc); c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L); c32 = FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L);
        c40 = FloatVector.fromArray(S, c, co + 4 * ldc); c41 = FloatVector.fromArray(S, c, co + 4 * ldc + L); c42 = FloatVector.fromArray(S, c, co + 4 * ldc + 2 * L);
        c50 = FloatVector.fromArray(S, c, co + 5 * ldc); c51 = FloatVector.fromArray(S, c, co + 5 * ldc + L); c52 = FloatVector.fromArray(S, c, co + 5 * ldc + 2 * L);
        for (int p = 0; p < kc; p++) {
            long bq = rows ? bo + p * ldb : bo + p * (NR * 4L);
            int aq = ao + p * 6;
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, bq, NATIVE), b1 = FloatVector.fromMemorySegment(S, bp, bq + L * 4L, NATIVE), b2 = FloatVector.fromMemorySegment(S, bp, bq + 2 * L * 4L, NATIVE);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12);
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21); c22 = b2.fma(av, c22);
            av = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31); c32 = b2.fma(av, c32);
            av = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41); c42 = b2.fma(av, c42);
            av = FloatVector.broadcast(S, ap[aq + 5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51); c52 = b2.fma(av, c52);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L); c42.intoArray(c, co + 4 * ldc + 2 * L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L); c52.intoArray(c, co + 5 * ldc + 2 * L);
    }

    private static void wide5(float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                              float[] c, int co, int ldc) {
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42;
        c00 = FloatVector.fromArray(S, c, co); c01 = FloatVector.fromArray(S, c, co + L); c02 = FloatVector.fromArray(S, c, co + 2 * L);
        c10 = FloatVector.fromArray(S, c, co + ldc); c11 = FloatVector.fromArray(S, c, co + ldc + L); c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L);
        c20 = FloatVector.fromArray(S, c, co + 2 * ldc); c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L); c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L);
        c30 = FloatVector.fromArray(S, c, co + 3 * ldc); c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L); c32 = FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L);
        c40 = FloatVector.fromArray(S, c, co + 4 * ldc); c41 = FloatVector.fromArray(S, c, co + 4 * ldc + L); c42 = FloatVector.fromArray(S, c, co + 4 * ldc + 2 * L);
        for (int p = 0; p < kc; p++) {
            long bq = rows ? bo + p * ldb : bo + p * (NR * 4L);
            int aq = ao + p * 5;
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, bq, NATIVE), b1 = FloatVector.fromMemorySegment(S, bp, bq + L * 4L, NATIVE), b2 = FloatVector.fromMemorySegment(S, bp, bq + 2 * L * 4L, NATIVE);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12);
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21); c22 = b2.fma(av, c22);
            av = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31); c32 = b2.fma(av, c32);
            av = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41); c42 = b2.fma(av, c42);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L); c42.intoArray(c, co + 4 * ldc + 2 * L);
    }

    private static void wide4(float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                              float[] c, int co, int ldc) {
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        c00 = FloatVector.fromArray(S, c, co); c01 = FloatVector.fromArray(S, c, co + L); c02 = FloatVector.fromArray(S, c, co + 2 * L);
        c10 = FloatVector.fromArray(S, c, co + ldc); c11 = FloatVector.fromArray(S, c, co + ldc + L); c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L);
        c20 = FloatVector.fromArray(S, c, co + 2 * ldc); c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L); c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L);
        c30 = FloatVector.fromArray(S, c, co + 3 * ldc); c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L); c32 = FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L);
        for (int p = 0; p < kc; p++) {
            long bq = rows ? bo + p * ldb : bo + p * (NR * 4L);
            int aq = ao + p * 4;
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, bq, NATIVE), b1 = FloatVector.fromMemorySegment(S, bp, bq + L * 4L, NATIVE), b2 = FloatVector.fromMemorySegment(S, bp, bq + 2 * L * 4L, NATIVE);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12);
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21); c22 = b2.fma(av, c22);
            av = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31); c32 = b2.fma(av, c32);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L);
    }

    /**
     * A 4-row tile of C two panels wide (4 x 6 vectors, 24 accumulators) over one k slice of B's rows ({@code ldb}
     * bytes apart), for {@link #rowBlocks}' panel pairs: the same operations per element as the other kernels. At
     * T = 8 (two 4-row tiles) it replaces two {@code wide4} calls, whose 12 accumulators wait on 3 B loads and 4
     * broadcasts per 12 FMAs, and it reads B's rows in 384-byte pieces instead of 192: same JVM alternating (mean
     * time per round, one thread; two), against the kernels one panel at a time: [8, 768] x [768, 2304] 1.19x
     * (1.19x), [768, 768] 1.18x (1.09x), [768, 3072] 1.47x (1.29x), [3072, 768] 1.23x (1.09x), [768, 50257]
     * 1.39x (1.40x); [8, 768] x [768, 2304] with B from memory (8 copies in turn) 1.34x.
     * <p>Each step broadcasts the four A values first and then loads B one vector at a time, each followed by its
     * four FMAs: 24 + 4 + 1 registers live. Loading the six B vectors first (24 + 6 + 1 = 31 of the 32) ran at
     * 0.37-0.52x the speed of the one-panel kernels in some JVMs ([8, 768] x [768, 2304], B kept in L3) and at
     * 0.78-0.81x of this order in others.
     */
    private static void wide4x6(float[] ap, int ao, MemorySegment bp, long bo, long ldb, int kc, float[] c, int co, int ldc) {
        FloatVector c00, c01, c02, c03, c04, c05, c10, c11, c12, c13, c14, c15;
        FloatVector c20, c21, c22, c23, c24, c25, c30, c31, c32, c33, c34, c35;
        c00 = FloatVector.fromArray(S, c, co); c01 = FloatVector.fromArray(S, c, co + L); c02 = FloatVector.fromArray(S, c, co + 2 * L);
        c03 = FloatVector.fromArray(S, c, co + 3 * L); c04 = FloatVector.fromArray(S, c, co + 4 * L); c05 = FloatVector.fromArray(S, c, co + 5 * L);
        c10 = FloatVector.fromArray(S, c, co + ldc); c11 = FloatVector.fromArray(S, c, co + ldc + L); c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L);
        c13 = FloatVector.fromArray(S, c, co + ldc + 3 * L); c14 = FloatVector.fromArray(S, c, co + ldc + 4 * L); c15 = FloatVector.fromArray(S, c, co + ldc + 5 * L);
        c20 = FloatVector.fromArray(S, c, co + 2 * ldc); c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L); c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L);
        c23 = FloatVector.fromArray(S, c, co + 2 * ldc + 3 * L); c24 = FloatVector.fromArray(S, c, co + 2 * ldc + 4 * L); c25 = FloatVector.fromArray(S, c, co + 2 * ldc + 5 * L);
        c30 = FloatVector.fromArray(S, c, co + 3 * ldc); c31 = FloatVector.fromArray(S, c, co + 3 * ldc + L); c32 = FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L);
        c33 = FloatVector.fromArray(S, c, co + 3 * ldc + 3 * L); c34 = FloatVector.fromArray(S, c, co + 3 * ldc + 4 * L); c35 = FloatVector.fromArray(S, c, co + 3 * ldc + 5 * L);
        for (int p = 0; p < kc; p++) {
            long bq = bo + p * ldb;
            int aq = ao + p * 4;
            FloatVector a0 = FloatVector.broadcast(S, ap[aq]), a1 = FloatVector.broadcast(S, ap[aq + 1]);
            FloatVector a2 = FloatVector.broadcast(S, ap[aq + 2]), a3 = FloatVector.broadcast(S, ap[aq + 3]);
            FloatVector b = FloatVector.fromMemorySegment(S, bp, bq, NATIVE);
            c00 = b.fma(a0, c00); c10 = b.fma(a1, c10); c20 = b.fma(a2, c20); c30 = b.fma(a3, c30);
            b = FloatVector.fromMemorySegment(S, bp, bq + L * 4L, NATIVE);
            c01 = b.fma(a0, c01); c11 = b.fma(a1, c11); c21 = b.fma(a2, c21); c31 = b.fma(a3, c31);
            b = FloatVector.fromMemorySegment(S, bp, bq + 2 * L * 4L, NATIVE);
            c02 = b.fma(a0, c02); c12 = b.fma(a1, c12); c22 = b.fma(a2, c22); c32 = b.fma(a3, c32);
            b = FloatVector.fromMemorySegment(S, bp, bq + 3 * L * 4L, NATIVE);
            c03 = b.fma(a0, c03); c13 = b.fma(a1, c13); c23 = b.fma(a2, c23); c33 = b.fma(a3, c33);
            b = FloatVector.fromMemorySegment(S, bp, bq + 4 * L * 4L, NATIVE);
            c04 = b.fma(a0, c04); c14 = b.fma(a1, c14); c24 = b.fma(a2, c24); c34 = b.fma(a3, c34);
            b = FloatVector.fromMemorySegment(S, bp, bq + 5 * L * 4L, NATIVE);
            c05 = b.fma(a0, c05); c15 = b.fma(a1, c15); c25 = b.fma(a2, c25); c35 = b.fma(a3, c35);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L);
        c03.intoArray(c, co + 3 * L); c04.intoArray(c, co + 4 * L); c05.intoArray(c, co + 5 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L);
        c13.intoArray(c, co + ldc + 3 * L); c14.intoArray(c, co + ldc + 4 * L); c15.intoArray(c, co + ldc + 5 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L);
        c23.intoArray(c, co + 2 * ldc + 3 * L); c24.intoArray(c, co + 2 * ldc + 4 * L); c25.intoArray(c, co + 2 * ldc + 5 * L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L); c32.intoArray(c, co + 3 * ldc + 2 * L);
        c33.intoArray(c, co + 3 * ldc + 3 * L); c34.intoArray(c, co + 3 * ldc + 4 * L); c35.intoArray(c, co + 3 * ldc + 5 * L);
    }

    private static void wide3(float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                              float[] c, int co, int ldc) {
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22;
        c00 = FloatVector.fromArray(S, c, co); c01 = FloatVector.fromArray(S, c, co + L); c02 = FloatVector.fromArray(S, c, co + 2 * L);
        c10 = FloatVector.fromArray(S, c, co + ldc); c11 = FloatVector.fromArray(S, c, co + ldc + L); c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L);
        c20 = FloatVector.fromArray(S, c, co + 2 * ldc); c21 = FloatVector.fromArray(S, c, co + 2 * ldc + L); c22 = FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L);
        for (int p = 0; p < kc; p++) {
            long bq = rows ? bo + p * ldb : bo + p * (NR * 4L);
            int aq = ao + p * 3;
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, bq, NATIVE), b1 = FloatVector.fromMemorySegment(S, bp, bq + L * 4L, NATIVE), b2 = FloatVector.fromMemorySegment(S, bp, bq + 2 * L * 4L, NATIVE);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12);
            av = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21); c22 = b2.fma(av, c22);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L); c22.intoArray(c, co + 2 * ldc + 2 * L);
    }

    private static void wide2(float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                              float[] c, int co, int ldc) {
        FloatVector c00, c01, c02, c10, c11, c12;
        c00 = FloatVector.fromArray(S, c, co); c01 = FloatVector.fromArray(S, c, co + L); c02 = FloatVector.fromArray(S, c, co + 2 * L);
        c10 = FloatVector.fromArray(S, c, co + ldc); c11 = FloatVector.fromArray(S, c, co + ldc + L); c12 = FloatVector.fromArray(S, c, co + ldc + 2 * L);
        for (int p = 0; p < kc; p++) {
            long bq = rows ? bo + p * ldb : bo + p * (NR * 4L);
            int aq = ao + p * 2;
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, bq, NATIVE), b1 = FloatVector.fromMemorySegment(S, bp, bq + L * 4L, NATIVE), b2 = FloatVector.fromMemorySegment(S, bp, bq + 2 * L * 4L, NATIVE);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L);
        c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + L); c12.intoArray(c, co + ldc + 2 * L);
    }

    private static void wide1(float[] ap, int ao, MemorySegment bp, long bo, boolean rows, long ldb, int kc,
                              float[] c, int co, int ldc) {
        FloatVector c00, c01, c02;
        c00 = FloatVector.fromArray(S, c, co); c01 = FloatVector.fromArray(S, c, co + L); c02 = FloatVector.fromArray(S, c, co + 2 * L);
        for (int p = 0; p < kc; p++) {
            long bq = rows ? bo + p * ldb : bo + p * (NR * 4L);
            int aq = ao + p * 1;
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, bq, NATIVE), b1 = FloatVector.fromMemorySegment(S, bp, bq + L * 4L, NATIVE), b2 = FloatVector.fromMemorySegment(S, bp, bq + 2 * L * 4L, NATIVE);
            FloatVector av = FloatVector.broadcast(S, ap[aq]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02);
        }
        c00.intoArray(c, co); c01.intoArray(c, co + L); c02.intoArray(c, co + 2 * L);
    }

    // The AVX-512 dot tiles (WIDE): h a rows x 3 bt rows, h = 7, ..., 3, the operations of dot1x1 per element as
    // above, over bt copied in interleaved groups of three. 21 accumulators + 3 bt vectors + 7 a vectors = 31 of
    // the 32 registers at h = 7, so no fences.

    private static void dot7x3(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00, c60 = c00, c61 = c00, c62 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 7 * p, bq = bo + 3 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L), b2 = FloatVector.fromArray(S, bp, bq + 2 * L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
            av = FloatVector.fromArray(S, ap, aq + 3 * L);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32);
            av = FloatVector.fromArray(S, ap, aq + 4 * L);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41); c42 = av.fma(b2, c42);
            av = FloatVector.fromArray(S, ap, aq + 5 * L);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51); c52 = av.fma(b2, c52);
            av = FloatVector.fromArray(S, ap, aq + 6 * L);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61); c62 = av.fma(b2, c62);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c02.intoArray(acc, 2 * L); c10.intoArray(acc, 3 * L); c11.intoArray(acc, 4 * L); c12.intoArray(acc, 5 * L);
        c20.intoArray(acc, 6 * L); c21.intoArray(acc, 7 * L); c22.intoArray(acc, 8 * L); c30.intoArray(acc, 9 * L); c31.intoArray(acc, 10 * L); c32.intoArray(acc, 11 * L);
        c40.intoArray(acc, 12 * L); c41.intoArray(acc, 13 * L); c42.intoArray(acc, 14 * L); c50.intoArray(acc, 15 * L); c51.intoArray(acc, 16 * L); c52.intoArray(acc, 17 * L);
        c60.intoArray(acc, 18 * L); c61.intoArray(acc, 19 * L); c62.intoArray(acc, 20 * L);
    }

    private static void dot6x3(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 6 * p, bq = bo + 3 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L), b2 = FloatVector.fromArray(S, bp, bq + 2 * L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
            av = FloatVector.fromArray(S, ap, aq + 3 * L);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32);
            av = FloatVector.fromArray(S, ap, aq + 4 * L);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41); c42 = av.fma(b2, c42);
            av = FloatVector.fromArray(S, ap, aq + 5 * L);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51); c52 = av.fma(b2, c52);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c02.intoArray(acc, 2 * L); c10.intoArray(acc, 3 * L); c11.intoArray(acc, 4 * L); c12.intoArray(acc, 5 * L);
        c20.intoArray(acc, 6 * L); c21.intoArray(acc, 7 * L); c22.intoArray(acc, 8 * L); c30.intoArray(acc, 9 * L); c31.intoArray(acc, 10 * L); c32.intoArray(acc, 11 * L);
        c40.intoArray(acc, 12 * L); c41.intoArray(acc, 13 * L); c42.intoArray(acc, 14 * L); c50.intoArray(acc, 15 * L); c51.intoArray(acc, 16 * L); c52.intoArray(acc, 17 * L);
    }

    private static void dot5x3(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 5 * p, bq = bo + 3 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L), b2 = FloatVector.fromArray(S, bp, bq + 2 * L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
            av = FloatVector.fromArray(S, ap, aq + 3 * L);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32);
            av = FloatVector.fromArray(S, ap, aq + 4 * L);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41); c42 = av.fma(b2, c42);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c02.intoArray(acc, 2 * L); c10.intoArray(acc, 3 * L); c11.intoArray(acc, 4 * L); c12.intoArray(acc, 5 * L);
        c20.intoArray(acc, 6 * L); c21.intoArray(acc, 7 * L); c22.intoArray(acc, 8 * L); c30.intoArray(acc, 9 * L); c31.intoArray(acc, 10 * L); c32.intoArray(acc, 11 * L);
        c40.intoArray(acc, 12 * L); c41.intoArray(acc, 13 * L); c42.intoArray(acc, 14 * L);
    }

    private static void dot4x3(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 4 * p, bq = bo + 3 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L), b2 = FloatVector.fromArray(S, bp, bq + 2 * L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
            av = FloatVector.fromArray(S, ap, aq + 3 * L);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c02.intoArray(acc, 2 * L); c10.intoArray(acc, 3 * L); c11.intoArray(acc, 4 * L); c12.intoArray(acc, 5 * L);
        c20.intoArray(acc, 6 * L); c21.intoArray(acc, 7 * L); c22.intoArray(acc, 8 * L); c30.intoArray(acc, 9 * L); c31.intoArray(acc, 10 * L); c32.intoArray(acc, 11 * L);
    }

    private static void dot3x3(float[] ap, int ao, int ub, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00;
        for (int p = 0; p < ub; p += L) {
            int aq = ao + 3 * p, bq = bo + 3 * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq), b1 = FloatVector.fromArray(S, bp, bq + L), b2 = FloatVector.fromArray(S, bp, bq + 2 * L);
            FloatVector av = FloatVector.fromArray(S, ap, aq);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.fromArray(S, ap, aq + L);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.fromArray(S, ap, aq + 2 * L);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
        }
        c00.intoArray(acc, 0 * L); c01.intoArray(acc, 1 * L); c02.intoArray(acc, 2 * L); c10.intoArray(acc, 3 * L); c11.intoArray(acc, 4 * L); c12.intoArray(acc, 5 * L);
        c20.intoArray(acc, 6 * L); c21.intoArray(acc, 7 * L); c22.intoArray(acc, 8 * L);
    }
}
