package nci.gpt2;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import nci.gpt2.io.ModelFileException;
import nci.tensor.Gemm;
import nci.tensor.LargeMemory;
import nci.tensor.Mat;
import nci.tensor.Parallel;

/**
 * A model's layer matrices (c_attn, attn c_proj, c_fc, mlp c_proj of every layer) in {@link Gemm#pack}'s panel
 * layout, in a file written once and then read back ({@link #load}) or mapped read-only ({@link #map}); or packed in
 * this process's memory, used at once, and written from there ({@link #pack}, {@link #save}). The plain
 * forward packs B on every product because its weights stay mapped (a packed copy made in every process of GPT-2 small
 * costs 340 MB over its 1.5x memory bound, and the packing time); a packed copy from this file gives it the packed
 * products' speed (a plain copy of each panel instead of a gather of B's rows) at the same memory, since the forward
 * then reads the packed copy instead of the same bytes of the weight file, whose layer matrices it no longer touches.
 * Same bits: the micro-kernels and their order of operations do not change.
 *
 * <p>File layout (little-endian): the magic {@code NCIPACK1}, then int32 version (3), Gemm.panelWidth(), layer count,
 * stamp length in bytes, the stamp (UTF-8: what the weights came from, see {@link #stamp}), then per matrix int32 rows,
 * int32 cols and int64 byte offset, per matrix its last value {@code b[k-1, n-1]}, and per matrix the CRC32C of its
 * panels' bytes (int32); the panels start at a 4096-byte boundary, one matrix after another, little-endian floats.
 * {@link #load} and {@link #map} check all of it against the model it is for and refuse a file that differs in
 * anything. Against the model's weights it checks one value per matrix, not more: each read brings a page of the weight file into memory,
 * which the forward over the packed copy would otherwise never touch (GPT-2 small: 697 MiB peak RSS at T = 128 with
 * one sample, 700-702 with three, 692-695 packing per call). Against damage (bytes changed in place, which keeps the
 * stamp's size and modification time) it checks every panel's checksum: that reads the packed pages, which the
 * forward reads anyway (GPT-2 small: 324 MiB, 52-68 ms of CPU for the CRC32C with a warm page cache, shared by the
 * pool's threads, and 20-30 ms of page faults the forward would otherwise take).
 */
public final class PackedWeights implements AutoCloseable {

    /** One layer's four matrices, in the order of {@link LayerWeights}. */
    public record Layer(Gemm.PackedSegment attnW, Gemm.PackedSegment attnProjW, Gemm.PackedSegment fcW,
                        Gemm.PackedSegment mlpProjW) {
        /** The four, in {@link LayerWeights#matrices()}'s order. */
        public List<Gemm.PackedSegment> matrices() { return List.of(attnW, attnProjW, fcW, mlpProjW); }
    }

    private static final byte[] MAGIC = "NCIPACK1".getBytes(StandardCharsets.US_ASCII);
    /**
     * 3: {@link #write} refuses NaN and infinite values, so a copy {@link #load} accepts holds finite values only (and
     * {@link Gpt2Loader#load(Path, java.util.function.Consumer)} leaves out the layer matrices' own check when it has
     * one). 2 added the per-matrix CRC32C of the panels (version 1 had none, so a file damaged in place was used).
     */
    private static final int VERSION = 3;
    private static final int ALIGN = 4096;
    private static final int MATRICES_PER_LAYER = 4;
    /**
     * Columns packed and written at a time: eight panels (256 columns at 8 lanes, 384 at 16), 3-5 MB of panels at
     * k = 3072. Only how the file is written; its layout is the panels', whatever this is.
     */
    private static final int COLUMNS = 8 * Gemm.panelWidth();

    private final Path file;
    private final Arena arena;
    private final List<Layer> layers;
    private final long bytes;
    /** The whole file's bytes when {@link #pack} made them in memory (for {@link #save}); null when read or mapped. */
    private final MemorySegment image;

    private PackedWeights(Path file, Arena arena, List<Layer> layers, long bytes, MemorySegment image) {
        this.file = file;
        this.arena = arena;
        this.layers = layers;
        this.bytes = bytes;
        this.image = image;
    }

    /** The file read or mapped (for a copy {@link #pack} made, the file {@link #save} writes). */
    public Path file() { return file; }

    /** Number of layers. */
    public int layerCount() { return layers.size(); }

    /** Layer l's matrices. */
    public Layer layer(int l) {
        if (l < 0 || l >= layers.size()) throw new IllegalArgumentException("layer " + l + " outside [0, " + layers.size() + ")");
        return layers.get(l);
    }

    /** Bytes of the file (all held in memory, or mapped). */
    public long bytes() { return bytes; }

    /** Frees the memory the file was read into, or unmaps it. */
    @Override
    public void close() { arena.close(); }

    private static List<Mat> matrices(Gpt2Model model) {
        List<Mat> out = new ArrayList<>();
        for (LayerWeights w : model.weights().layers()) out.addAll(w.matrices());
        return out;
    }

    /** The matrices, in {@link #matrices}' order, grouped into layers. */
    private static List<Layer> layers(List<Gemm.PackedSegment> segs) {
        List<Layer> out = new ArrayList<>();
        for (int b = 0; b < segs.size(); b += MATRICES_PER_LAYER)
            out.add(new Layer(segs.get(b), segs.get(b + 1), segs.get(b + 2), segs.get(b + 3)));
        return List.copyOf(out);
    }

    /** Bytes of the header: fixed part, stamp, per-matrix entries, samples and checksums, rounded up to the data alignment. */
    private static long headerBytes(int stampBytes, int matrices) {
        long raw = MAGIC.length + 4L * 4 + stampBytes + matrices * (16L + Float.BYTES + Integer.BYTES);
        return (raw + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** The value a matrix is checked by: its last, b[k-1, n-1]. */
    private static float last(Mat m) { return m.get(m.rows() - 1, m.cols() - 1); }

    /** CRC32C of a segment's bytes (in slices of at most 1 GiB: a ByteBuffer's size is an int). */
    private static int crc32c(MemorySegment s) {
        CRC32C crc = new CRC32C();
        for (long at = 0; at < s.byteSize(); at += 1 << 30)
            crc.update(s.asSlice(at, Math.min(1L << 30, s.byteSize() - at)).asByteBuffer());
        return (int) crc.getValue();
    }

    /**
     * The file for {@code model}'s layer matrices and {@code stamp}, apart from its panels: the header (position 0,
     * limit at its end), with the checksums left zero (matrix i's at {@code crcAt + 4 i}), and where each matrix
     * starts; {@code size} is the whole file's.
     */
    private record Plan(List<Mat> mats, ByteBuffer header, int crcAt, long[] offsets, long size) {}

    private static Plan plan(Gpt2Model model, String stamp) {
        List<Mat> mats = matrices(model);
        byte[] st = stamp.getBytes(StandardCharsets.UTF_8);
        long headerBytes = headerBytes(st.length, mats.size());
        ByteBuffer h = ByteBuffer.allocate(Math.toIntExact(headerBytes)).order(ByteOrder.LITTLE_ENDIAN);
        h.put(MAGIC).putInt(VERSION).putInt(Gemm.panelWidth()).putInt(model.config().nLayer()).putInt(st.length).put(st);
        long[] offsets = new long[mats.size()];
        long offset = headerBytes;
        for (int i = 0; i < mats.size(); i++) {
            Mat m = mats.get(i);
            if (m.rows() == 0 || m.cols() == 0) throw new IllegalArgumentException("cannot pack an empty matrix [" + m.rows() + ", " + m.cols() + "]");
            h.putInt(m.rows()).putInt(m.cols()).putLong(offset);
            offsets[i] = offset;
            offset += Gemm.packedFloats(m.rows(), m.cols()) * Float.BYTES;
        }
        for (Mat m : mats) h.putFloat(last(m));
        int crcAt = h.position();
        h.rewind();
        return new Plan(mats, h, crcAt, offsets, offset);
    }

    /** Little-endian floats, at any byte offset: the file's panels. */
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Writes {@code model}'s layer matrices, packed, to {@code file}, labelled with {@code stamp}: to a temporary file
     * beside it first, then moved into place, so a reader never sees a half-written file (and two writers leave one
     * whole file). Packs a block of columns at a time into buffers it reuses (a few MB, whatever the model) and writes
     * through the channel, not a mapping, so the written pages stay out of this process's memory. Refuses (with an
     * IllegalArgumentException naming the matrix and element, before the file is moved into place) a matrix holding a
     * NaN or an infinity: a copy holds finite values only, which lets a load that attaches one skip checking the
     * layer matrices again ({@link Gpt2Loader#load(Path, java.util.function.Consumer)}). {@link #pack} and
     * {@link #save} write the same bytes from a copy held in memory.
     */
    public static void write(Gpt2Model model, String stamp, Path file) throws IOException {
        Plan plan = plan(model, stamp);
        ByteBuffer h = plan.header();
        writeAtomically(file, (ch, tmp) -> {
            try (Arena buf = Arena.ofConfined()) {
                writeFully(ch, h);
                MemorySegment out = buf.allocate(blockBytes(plan), ALIGN);
                packBlocks(plan, new BlockOut() {
                    public MemorySegment block(long at, long bytes) { return out.asSlice(0, bytes); }
                    public void filled(MemorySegment block) throws IOException { writeFully(ch, block.asByteBuffer()); }
                });
            }
            if (ch.size() != plan.size()) throw new IOException("wrote " + ch.size() + " bytes to " + tmp + ", expected " + plan.size());
            h.rewind();
            for (long at = 0; h.hasRemaining(); ) at += ch.write(h, at);   // the header again, with the checksums
        });
    }

    /**
     * Packs {@code model}'s layer matrices into this process's memory ({@link LargeMemory}), as the bytes of the file
     * {@link #write} writes for {@code stamp}, checksums included, and returns them to attach at once
     * ({@link Gpt2Model#usePackedWeights}); {@link #save} then writes them to {@code file}. For a command that runs
     * many products: on a model's first run it multiplies over the packed copy from the start, as later runs do when
     * they read the file, instead of packing B per call while {@link #write} packs every matrix once more on another
     * thread. It holds the copy in memory (GPT-2 small: 324 MiB) while the layer matrices, read once to pack them,
     * stay in the page cache. Refuses a matrix holding a NaN or an infinity as {@link #write} does. One thread: the
     * packing is bound by memory (GPT-2 small, warm: 137 ms on one thread, 143-255 on two), and in a cold JVM a second
     * packing thread took the core the JIT compiles on (1.5-1.6 s against 0.44 s).
     */
    public static PackedWeights pack(Gpt2Model model, String stamp, Path file) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new IllegalStateException("packed weights need a little-endian platform");
        Plan plan = plan(model, stamp);
        List<Mat> mats = plan.mats();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment image = LargeMemory.allocate(arena, plan.size());
            try {
                packBlocks(plan, new BlockOut() {
                    public MemorySegment block(long at, long bytes) { return image.asSlice(at, bytes); }
                    public void filled(MemorySegment block) {}
                });
            } catch (IOException e) {
                throw new IllegalStateException("packing into memory does no I/O", e);
            }
            MemorySegment.copy(MemorySegment.ofBuffer(plan.header()), 0, image, 0, plan.header().capacity());
            List<Gemm.PackedSegment> segs = new ArrayList<>();
            for (int i = 0; i < mats.size(); i++) {
                Mat m = mats.get(i);
                segs.add(new Gemm.PackedSegment(image.asSlice(plan.offsets()[i], Gemm.packedFloats(m.rows(), m.cols()) * Float.BYTES),
                        m.rows(), m.cols()));
            }
            return new PackedWeights(file, arena, layers(segs), plan.size(), image);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Writes the copy {@link #pack} made to {@link #file}, as {@link #write} would have written it (a temporary file
     * moved into place). Safe while forwards read the copy (both only read it), not after {@link #close}.
     * @throws IllegalStateException for a copy that was read or mapped from its file
     */
    public void save() throws IOException {
        if (image == null) throw new IllegalStateException(file + " was read from its file, not packed in memory: nothing to save");
        writeAtomically(file, (ch, tmp) -> {
            for (long at = 0; at < image.byteSize(); at += 1 << 30)
                writeFully(ch, image.asSlice(at, Math.min(1L << 30, image.byteSize() - at)).asByteBuffer());
        });
    }

    /** Where {@link #packBlocks} puts each block of panels. */
    private interface BlockOut {
        /** Room for the block of {@code bytes} bytes that starts at byte {@code at} of the file. */
        MemorySegment block(long at, long bytes);

        /** The block is in place (little-endian floats). */
        void filled(MemorySegment block) throws IOException;
    }

    /** Bytes of the largest block of columns {@link #packBlocks} packs at a time. */
    private static long blockBytes(Plan plan) {
        int deepest = 0;
        for (Mat m : plan.mats()) deepest = Math.max(deepest, m.rows());
        return Gemm.packedFloats(deepest, COLUMNS) * Float.BYTES;
    }

    /**
     * Packs every matrix, {@link #COLUMNS} columns at a time in the file's order, into {@code out}, and records each
     * matrix's CRC32C in the plan's header; a block of columns jc.. starts after the panels of columns 0..jc-1 (jc is a
     * multiple of the panel width). Throws {@link #nonFinite} at the first block that holds a NaN or an infinity.
     */
    private static void packBlocks(Plan plan, BlockOut out) throws IOException {
        List<Mat> mats = plan.mats();
        float[] panels = new float[Math.toIntExact(blockBytes(plan) / Float.BYTES)];
        CRC32C crc = new CRC32C();
        for (int i = 0; i < mats.size(); i++) {
            Mat m = mats.get(i);
            crc.reset();
            long at = plan.offsets()[i];
            for (int jc = 0; jc < m.cols(); jc += COLUMNS) {
                int nc = Math.min(COLUMNS, m.cols() - jc);
                int len = Math.toIntExact(Gemm.packedFloats(m.rows(), nc));
                Gemm.packColumns(m, jc, nc, panels);
                if (NonFinite.first(MemorySegment.ofArray(panels), 0, len) >= 0) throw nonFinite(i, m, jc, nc);
                MemorySegment block = out.block(at, (long) len * Float.BYTES);
                MemorySegment.copy(panels, 0, block, LE_FLOAT, 0, len);
                crc.update(block.asByteBuffer());
                out.filled(block);
                at += (long) len * Float.BYTES;
            }
            plan.header().putInt(plan.crcAt() + i * Integer.BYTES, (int) crc.getValue());
        }
    }

    /** What {@link #writeAtomically} does with the temporary file's channel. */
    private interface ChannelWrite {
        void to(FileChannel ch, Path tmp) throws IOException;
    }

    /**
     * Writes {@code file} through {@code body} into a temporary file beside it, forces it to the disk, and moves it into
     * place (atomically: a reader sees the old file or the whole new one); the temporary file is deleted if anything
     * fails.
     */
    private static void writeAtomically(Path file, ChannelWrite body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.to(ch, tmp);
                ch.force(false);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The names of a layer's matrices, in {@link LayerWeights#matrices()}'s order (as GPT2Model names them). */
    private static final List<String> MATRIX_NAMES = List.of("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight");

    /** The error for matrix i, m, holding a NaN or an infinity among columns jc.. jc+nc-1: names the first one. */
    private static IllegalArgumentException nonFinite(int i, Mat m, int jc, int nc) {
        String what = "h." + i / MATRICES_PER_LAYER + "." + MATRIX_NAMES.get(i % MATRICES_PER_LAYER);
        for (int r = 0; r < m.rows(); r++)
            for (int c = jc; c < jc + nc; c++)
                if (!Float.isFinite(m.get(r, c)))
                    return new IllegalArgumentException(what + " holds " + m.get(r, c) + " at [" + r + ", " + c
                            + "]: weights must be finite; no packed copy is written");
        throw new IllegalStateException(what + ": packing made a non-finite value in columns " + jc + ".." + (jc + nc - 1) + " from finite ones");
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /**
     * Reads {@code file} for {@code model} into this process's own memory ({@link LargeMemory}, freed by
     * {@link #close}), checked as {@link #map} checks it. What {@link #open} does for a copy that fits its budget: on
     * the Zen 5 test machine, a virtual machine whose kernel runs a DAMON monitor over physical memory (kdamond,
     * sampling every 0.5 s), reading the pages of a mapped file slowed in stretches to 1.5-5 GB/s while the same bytes
     * in anonymous memory read at 13-19 GB/s (bench/README, "The packed copy in the process's own memory"); a
     * GPT-2-small 1x128 forward took 591-593 ms (medians of 30, one thread) over the mapped copy and 156-202 ms over
     * the read one, 110-132 and 99-100 ms on two threads. The memory is the same (the forward touches every packed page
     * either way, and the file's page-cache pages are not this process's once read). The cost is at load: the new
     * memory's first touch and the read took 0.5 s there for GPT-2 small (on huge pages; 1.5 s on 4 KB pages), where
     * mapping took 0.1 s.
     */
    public static PackedWeights load(Gpt2Model model, String stamp, Path file) throws IOException {
        return openChecked(model, stamp, file, false);
    }

    /**
     * {@link #load} when the file is at most a third of the maximum heap (the budget the patching engine holds its
     * own packed copies to, {@code RowKernels.packed}; GPT-2 small's 340 MB fits under the default heap of an 8 GB
     * machine), else {@link #map}: a larger copy (GPT-2 XL: 6 GB) stays in the page cache, where the system can
     * evict it, rather than in this process's memory. What {@link #attachIfValid} and {@link #cached} use.
     */
    public static PackedWeights open(Gpt2Model model, String stamp, Path file) throws IOException {
        return open(model, stamp, file, budget());
    }

    /** The most bytes {@link #open} reads into memory rather than maps: a third of the maximum heap (none with {@link #MAP_ALWAYS}). */
    private static long budget() { return MAP_ALWAYS ? -1 : Runtime.getRuntime().maxMemory() / 3; }

    /**
     * Whether {@link #open} would read {@code model}'s packed copy into memory rather than map it: whether a command may
     * {@link #pack} it in memory instead (a copy too large for that is written by {@link #write} and mapped).
     */
    public static boolean fitsInMemory(Gpt2Model model) { return model.packedBytes() <= budget(); }

    /** {@code -Dnci.mapPackedWeights=true}: {@link #open} always maps (processes that map one file share its pages). */
    private static final boolean MAP_ALWAYS = Boolean.getBoolean("nci.mapPackedWeights");

    /** {@link #load} when the file is at most {@code budget} bytes, else {@link #map}. */
    static PackedWeights open(Gpt2Model model, String stamp, Path file, long budget) throws IOException {
        return openChecked(model, stamp, file, Files.size(file) > budget);
    }

    /**
     * Maps {@code file} for {@code model}, read-only. Refuses (with a ModelFileException naming the file and what
     * differs) a file that is not a packed-weights file, was written by another version or kernel width, for another
     * stamp, layer count or matrix shape, is truncated, whose sample values differ from the model's weights, or whose
     * panels do not match their checksums (the file was damaged after it was written). The checksums are computed in
     * parallel over the matrices ({@link Parallel}). Processes that map one file share its pages; {@link #load} reads
     * it instead, which was faster on the test machine.
     */
    public static PackedWeights map(Gpt2Model model, String stamp, Path file) throws IOException {
        return openChecked(model, stamp, file, true);
    }

    /** Bytes read per call when a file is read into memory (a ByteBuffer's size is an int). */
    private static final int READ_CHUNK = 1 << 26;

    /** {@link #map} ({@code mapped}) or {@link #load}: the file opened either way, then checked the same way. */
    private static PackedWeights openChecked(Gpt2Model model, String stamp, Path file, boolean mapped) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new ModelFileException(file, "packed weights need a little-endian platform");
        List<Mat> mats = matrices(model);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long length = ch.size();
                if (mapped) {
                    seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, length, arena);
                } else {
                    seg = LargeMemory.allocate(arena, length);
                    for (long at = 0; at < length; at += READ_CHUNK) {
                        ByteBuffer b = seg.asSlice(at, Math.min(READ_CHUNK, length - at)).asByteBuffer();
                        while (b.hasRemaining())
                            if (ch.read(b, at + b.position()) < 0)
                                throw new ModelFileException(file, "ended at byte " + (at + b.position()) + " while being read; it was "
                                        + length + " bytes when opened");
                    }
                }
            }
            long size = seg.byteSize();
            byte[] st = stamp.getBytes(StandardCharsets.UTF_8);
            long header = headerBytes(st.length, mats.size());
            if (size < MAGIC.length + 16L) throw new ModelFileException(file, "is " + size + " bytes, too short for a packed-weights header");
            ByteBuffer h = seg.asSlice(0, Math.min(size, header)).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            h.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new ModelFileException(file, "is not a packed-weights file (no NCIPACK1 magic)");
            int version = h.getInt(), nr = h.getInt(), layers = h.getInt(), stampLen = h.getInt();
            if (version != VERSION) throw new ModelFileException(file, "is packed-weights version " + version + ", expected " + VERSION);
            if (nr != Gemm.panelWidth()) throw new ModelFileException(file, "has panels " + nr + " columns wide, this machine's kernels use " + Gemm.panelWidth());
            if (layers != model.config().nLayer())
                throw new ModelFileException(file, "holds " + layers + " layers, the model has " + model.config().nLayer());
            if (stampLen != st.length)
                throw new ModelFileException(file, "was written for other weights (stamp of " + stampLen + " bytes, expected " + st.length + ")");
            if (size < header) throw new ModelFileException(file, "is truncated: its header needs " + header + " bytes, the file has " + size);
            byte[] got = new byte[stampLen];
            h.get(got);
            if (!java.util.Arrays.equals(got, st))
                throw new ModelFileException(file, "was written for other weights: stamp '" + new String(got, StandardCharsets.UTF_8)
                        + "', expected '" + stamp + "'");
            long expect = header;
            List<Gemm.PackedSegment> segs = new ArrayList<>();
            for (int i = 0; i < mats.size(); i++) {
                Mat m = mats.get(i);
                int rows = h.getInt(), cols = h.getInt();
                long off = h.getLong();
                String what = "matrix " + i + " (layer " + i / MATRICES_PER_LAYER + ")";
                if (rows != m.rows() || cols != m.cols())
                    throw new ModelFileException(file, what + " is [" + rows + ", " + cols + "], the model's is [" + m.rows() + ", " + m.cols() + "]");
                long len = Gemm.packedFloats(rows, cols) * Float.BYTES;
                if (off != expect) throw new ModelFileException(file, what + " starts at byte " + off + ", expected " + expect);
                if (off + len > size) throw new ModelFileException(file, "is truncated: " + what + " ends at byte " + (off + len) + ", the file has " + size);
                segs.add(new Gemm.PackedSegment(seg.asSlice(off, len), rows, cols));
                expect = off + len;
            }
            if (expect != size) throw new ModelFileException(file, "is " + size + " bytes, expected " + expect);
            for (int i = 0; i < mats.size(); i++) {
                Gemm.PackedSegment p = segs.get(i);
                int k = p.rows(), n = p.cols();
                float want = last(mats.get(i)), recorded = h.getFloat(), packed = p.get(k - 1, n - 1);
                if (Float.floatToRawIntBits(recorded) != Float.floatToRawIntBits(want)
                        || Float.floatToRawIntBits(packed) != Float.floatToRawIntBits(want))
                    throw new ModelFileException(file, "matrix " + i + " (layer " + i / MATRICES_PER_LAYER + ") holds " + packed
                            + " at [" + (k - 1) + ", " + (n - 1) + "] (recorded " + recorded + "), the model's weight is " + want);
            }
            int[] recorded = new int[segs.size()], computed = new int[segs.size()];
            for (int i = 0; i < recorded.length; i++) recorded[i] = h.getInt();
            Parallel.forChunks(segs.size(), 1, (from, to) -> {
                for (int i = from; i < to; i++) computed[i] = crc32c(segs.get(i).data());
            });
            for (int i = 0; i < recorded.length; i++)
                if (computed[i] != recorded[i])
                    throw new ModelFileException(file, "is damaged: matrix " + i + " (layer " + i / MATRICES_PER_LAYER + ") has CRC32C "
                            + String.format("%08x", computed[i]) + ", the header records " + String.format("%08x", recorded[i]));
            return new PackedWeights(file, arena, layers(segs), size, null);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * What a model folder's weights are, as far as a cache needs: every {@code config.json}, {@code *.safetensors} and
     * {@code *.safetensors.index.json} in it, by name, with the file it resolves to (a hub snapshot's symlinks lead
     * into its blobs), its size, its modification time and its file key (device and inode on Linux). A weight file
     * changed in place changes its modification time; one replaced by another file (even of the same size and time,
     * as {@code cp -p} or {@code rsync -t} leave it) changes its file key.
     */
    public static String stamp(Path folder) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if ((name.equals("config.json") || name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json"))
                        && Files.isRegularFile(p)) files.add(p);
            }
        }
        if (files.isEmpty()) throw new ModelFileException(folder, "holds no config.json or .safetensors file to stamp");
        files.sort(null);
        StringBuilder sb = new StringBuilder();
        for (Path p : files) sb.append(p.getFileName()).append('=').append(describe(p.toRealPath())).append('\n');
        return sb.toString();
    }

    /** One stamp line's account of a file, after its name: {@code real path;size;mtime ns;file key}. */
    private static String describe(Path real) throws IOException {
        BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
        return real + ";" + a.size() + ";" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + ";" + a.fileKey();
    }

    /** The names {@link #fileName} gives. */
    private static final java.util.regex.Pattern FILE_NAME = java.util.regex.Pattern.compile("packed-[0-9a-f]{32}\\.bin");

    /**
     * Deletes the packed copies in {@code dir} that no model can map again: those whose stamp names a weight file that
     * has since changed, been replaced or gone (a new download, weights edited in place, a deleted model folder). Each
     * such copy is the size of the model's layer matrices (324 MiB for GPT-2 small), and nothing else would remove it.
     * Only files named as {@link #fileName} names them are looked at. Those with this version's header are deleted
     * when stale, and those of an earlier version always (no version from this one on can map them: after an
     * upgrade they would stay forever). The rest (a later version's copies, damaged ones, a writer's temporary
     * files, anything else) are left, as is {@code keep}, and
     * so is a copy whose files are all as stamped, whichever model it is for. A copy mapped by a running process is
     * safe to delete on Linux and macOS: the mapping keeps its pages (where it cannot be deleted, it is left). Throws
     * only when {@code dir} cannot be listed. Returns the files deleted.
     */
    public static List<Path> pruneStale(Path dir, Path keep) throws IOException {
        List<Path> deleted = new ArrayList<>();
        if (!Files.isDirectory(dir)) return deleted;
        Path kept = keep == null ? null : keep.toAbsolutePath().normalize();
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds)
                if (FILE_NAME.matcher(p.getFileName().toString()).matches() && !p.toAbsolutePath().normalize().equals(kept))
                    candidates.add(p);
        }
        for (Path p : candidates) {
            try {
                if (unusable(p) && Files.deleteIfExists(p)) deleted.add(p);
            } catch (IOException e) {
                // unreadable, gone already, or not deletable now (mapped, on Windows): left for a later write
            }
        }
        return deleted;
    }

    /**
     * Whether no model can map this file again ({@link #pruneStale}): a packed-weights file of an earlier version, or
     * one of this version whose stamp {@link #isStale}. False for anything else (not a packed-weights file, a later
     * version's, a damaged header), which is left alone.
     */
    static boolean unusable(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer h = ByteBuffer.allocate(MAGIC.length + 16).order(ByteOrder.LITTLE_ENDIAN);
            if (!readFully(ch, h)) return false;
            h.flip();
            byte[] magic = new byte[MAGIC.length];
            h.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) return false;
            int version = h.getInt();
            if (version != VERSION) return version >= 1 && version < VERSION;
            h.getInt();   // panel width
            h.getInt();   // layers
            int len = h.getInt();
            if (len <= 0 || len > size - MAGIC.length - 16) return false;
            ByteBuffer st = ByteBuffer.allocate(len);
            return readFully(ch, st) && isStale(new String(st.array(), StandardCharsets.UTF_8));
        }
    }

    /** Fills b from the channel's position; false when the file ends first. */
    private static boolean readFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) if (ch.read(b) < 0) return false;
        return true;
    }

    /**
     * Whether a stamp's files are no longer as it describes them: a file gone, or another size, modification time or
     * file key. A line that does not parse as {@link #stamp} writes them counts as not stale (such a file is left).
     */
    public static boolean isStale(String stamp) {
        for (String line : stamp.split("\n")) {
            int eq = line.indexOf('=');
            String rest = eq < 0 ? "" : line.substring(eq + 1);
            int c3 = rest.lastIndexOf(';'), c2 = c3 < 1 ? -1 : rest.lastIndexOf(';', c3 - 1), c1 = c2 < 1 ? -1 : rest.lastIndexOf(';', c2 - 1);
            if (c1 < 1) return false;
            Path real;
            try {
                real = Path.of(rest.substring(0, c1));
            } catch (java.nio.file.InvalidPathException e) {
                return false;
            }
            try {
                if (!describe(real).equals(rest)) return true;
            } catch (IOException e) {
                if (!Files.exists(real, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return true;   // gone
                return false;                                                                   // unreadable: leave it
            }
        }
        return false;
    }

    /** A file name for a stamp: {@code packed-<}{@link #stampHash}{@code >.bin}. */
    public static String fileName(String stamp) {
        return "packed-" + stampHash(stamp) + ".bin";
    }

    /** A stamp's first 32 hex digits of SHA-256: what the cache names its files for that stamp by. */
    public static String stampHash(String stamp) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(stamp.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Opens {@code file} ({@link #open}: read into memory, or mapped if large) and attaches it to {@code model}
     * ({@link Gpt2Model#usePackedWeights}) when it exists and is accepted for {@code stamp}; false when there is none,
     * or when it is not the file for these weights (damaged, stale, or from another version): {@link #write} then
     * replaces it.
     */
    public static boolean attachIfValid(Gpt2Model model, String stamp, Path file) throws IOException {
        if (!Files.isRegularFile(file)) return false;
        try {
            model.usePackedWeights(open(model, stamp, file));
            return true;
        } catch (ModelFileException e) {
            return false;
        }
    }

    /** What {@link #cached} did. */
    public enum Outcome {
        /** A valid file was there and is now attached to the model. */
        ATTACHED,
        /** There was none (or it did not match); it was written, and attached since {@code attachWhenWritten}. */
        WRITTEN_AND_ATTACHED,
        /** There was none (or it did not match); it was written for the next load, and the model packs per call for now. */
        WRITTEN
    }

    /**
     * The cache policy for a model loaded from {@code folder}: the packed file for its {@link #stamp} under
     * {@code cacheDir} is opened ({@link #open}) and attached ({@link Gpt2Model#usePackedWeights}) when it exists and matches; else it
     * is (re)written, the stale copies beside it are deleted ({@link #pruneStale}), and it is attached only if
     * {@code attachWhenWritten}. Writing reads every layer matrix, which brings
     * the weight file's pages into memory; mapping the packed copy in the same process would then hold both (GPT-2
     * small: ~800 MB over the weights), so a one-forward process passes false and gets the speed from its next run.
     */
    public static Outcome cached(Gpt2Model model, Path folder, Path cacheDir, boolean attachWhenWritten) throws IOException {
        String stamp = stamp(folder);
        Path file = cacheDir.resolve(fileName(stamp));
        if (attachIfValid(model, stamp, file)) return Outcome.ATTACHED;
        write(model, stamp, file);
        pruneStale(cacheDir, file);
        if (!attachWhenWritten) return Outcome.WRITTEN;
        model.usePackedWeights(open(model, stamp, file));
        return Outcome.WRITTEN_AND_ATTACHED;
    }
}
