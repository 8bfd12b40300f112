package nci.gpt2.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nci.tensor.Half;
import nci.tensor.Mat;

/**
 * One {@code .safetensors} file, memory-mapped whole into a {@link MemorySegment} from a shared {@link Arena}
 * this object owns (so no 2 GB limit: all offsets are long). {@link #close()} unmaps it.
 *
 * <p>Format: bytes 0..7 are N, a little-endian u64; bytes 8..8+N are a UTF-8 JSON object (trailing spaces
 * allowed) mapping each tensor name to {@code {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}}
 * plus an optional {@code "__metadata__"} object of strings; the rest of the file is the data region, and
 * offsets are relative to its start. Elements are little-endian, row-major.
 *
 * <p>{@link #open} validates everything before returning: header length against the file size, the header is one
 * JSON object without duplicate keys, every entry's fields and types, dtype names, offsets inside the data region,
 * no two tensors overlapping, and byte length = numel × dtype size. Gaps between tensors are tolerated.
 * Every violation is a {@link SafeTensorsException} naming the file and, where one is at fault, the tensor.
 */
public final class SafeTensors implements WeightSource {

    /** Header size cap (the reference implementation uses the same 100 MB): guards against a garbage length. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path file;
    private final Arena arena;
    private final MemorySegment mapping;            // the whole file
    private final long dataStart;                   // 8 + N
    private final Map<String, TensorInfo> tensors;  // header order
    private final Map<String, String> metadata;
    private boolean closed;

    private SafeTensors(Path file, Arena arena, MemorySegment mapping, long dataStart,
                        Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.mapping = mapping;
        this.dataStart = dataStart;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Maps and validates a file. */
    public static SafeTensors open(Path file) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new SafeTensorsException(file, null, "this platform is big-endian; safetensors data is little-endian"
                    + " and F32 tensors are mapped without conversion, so only little-endian platforms are supported");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size < 8)
                    throw new SafeTensorsException(file, null, "file is " + size + " bytes, too short for the 8-byte header length");
                mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            long size = mapping.byteSize();
            long n = mapping.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            // n is an unsigned u64: a negative long is a length beyond 2^63, certainly beyond the file.
            if (n < 0 || n > size - 8)
                throw new SafeTensorsException(file, null, "header length " + Long.toUnsignedString(n)
                        + " exceeds the file (" + size + " bytes, so at most " + (size - 8) + "); truncated or not a safetensors file");
            if (n > MAX_HEADER_BYTES)
                throw new SafeTensorsException(file, null, "header length " + n + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
            if (n < 2)
                throw new SafeTensorsException(file, null, "header length " + n + " is too short for a JSON object");
            byte[] header = mapping.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + n;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(file, header, size - dataStart, metadata);
            return new SafeTensors(file, arena, mapping, dataStart, tensors, metadata);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Parses and validates the header JSON; dataLength is the size of the data region. */
    static Map<String, TensorInfo> parseHeader(Path file, byte[] header, long dataLength, Map<String, String> metadataOut)
            throws SafeTensorsException {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JacksonException e) {
            throw new SafeTensorsException(file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafeTensorsException(file, null, "header unreadable: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject())
            throw new SafeTensorsException(file, null, "header must be a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new SafeTensorsException(file, null, "__metadata__ must be an object of strings");
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    if (!m.getValue().isTextual())
                        throw new SafeTensorsException(file, null, "__metadata__ value of '" + m.getKey() + "' must be a string, got "
                                + m.getValue().getNodeType().toString().toLowerCase());
                    metadataOut.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            tensors.put(name, parseEntry(file, name, v, dataLength));
        }
        // Non-overlap: sorted by begin, each tensor must start at or after the previous one's end.
        // Empty tensors (begin == end) occupy nothing and cannot overlap.
        List<TensorInfo> byBegin = new ArrayList<>(tensors.values());
        byBegin.removeIf(t -> t.byteLength() == 0);
        byBegin.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < byBegin.size(); i++) {
            TensorInfo prev = byBegin.get(i - 1), cur = byBegin.get(i);
            if (cur.begin() < prev.end())
                throw new SafeTensorsException(file, cur.name(), "data_offsets [" + cur.begin() + ", " + cur.end()
                        + ") overlap tensor '" + prev.name() + "' at [" + prev.begin() + ", " + prev.end() + ")");
        }
        return tensors;
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataLength) throws SafeTensorsException {
        if (!v.isObject()) throw new SafeTensorsException(file, name, "header entry must be an object, got " + v.getNodeType().toString().toLowerCase());
        for (String field : List.of("dtype", "shape", "data_offsets"))
            if (!v.has(field)) throw new SafeTensorsException(file, name, "header entry lacks '" + field + "'");
        JsonNode dt = v.get("dtype");
        if (!dt.isTextual()) throw new SafeTensorsException(file, name, "dtype must be a string, got " + dt);
        DType dtype = DType.fromName(dt.textValue());
        if (dtype == null)
            throw new SafeTensorsException(file, name, "unknown or unsupported dtype '" + dt.textValue() + "' (known: "
                    + Arrays.toString(DType.values()) + ")");
        long[] shape = longArray(file, name, "shape", v.get("shape"));
        long[] offsets = longArray(file, name, "data_offsets", v.get("data_offsets"));
        if (offsets.length != 2)
            throw new SafeTensorsException(file, name, "data_offsets must have 2 entries [begin, end], got " + offsets.length);
        long begin = offsets[0], end = offsets[1];
        if (end < begin) throw new SafeTensorsException(file, name, "data_offsets [" + begin + ", " + end + "] end before begin");
        if (end > dataLength)
            throw new SafeTensorsException(file, name, "data_offsets [" + begin + ", " + end + "] extend past the data region ("
                    + dataLength + " bytes); the file is truncated or the offsets are wrong");
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long expected;
        try {
            expected = info.expectedByteLength();
        } catch (ArithmeticException ex) {
            throw new SafeTensorsException(file, name, "shape " + info.shapeString() + " overflows a 64-bit element count");
        }
        if (expected != info.byteLength())
            throw new SafeTensorsException(file, name, "byte length " + info.byteLength() + " (data_offsets [" + begin + ", " + end
                    + "]) does not match shape " + info.shapeString() + " × " + dtype + " (" + dtype.byteSize() + " bytes) = " + expected);
        return info;
    }

    private static long[] longArray(Path file, String name, String field, JsonNode node) throws SafeTensorsException {
        if (!node.isArray()) throw new SafeTensorsException(file, name, field + " must be an array of non-negative integers, got " + node);
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = node.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 0)
                throw new SafeTensorsException(file, name, field + "[" + i + "] must be a non-negative integer, got " + x);
            out[i] = x.longValue();
        }
        return out;
    }

    // ---------------------------------------------------------------- accessors

    public Path file() { return file; }

    @Override
    public Path origin() { return file; }

    @Override
    public List<Path> files() { return List.of(file); }

    /** The {@code __metadata__} strings (empty if absent). */
    public Map<String, String> metadata() { return metadata; }

    /** The whole mapped file (read-only). */
    public MemorySegment segment() { return mapping; }

    /** Byte offset of the data region in the file: 8 + header length. */
    public long dataStart() { return dataStart; }

    @Override
    public Set<String> names() { return tensors.keySet(); }

    @Override
    public boolean has(String name) { return tensors.containsKey(name); }

    @Override
    public TensorInfo info(String name) throws SafeTensorsException {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new SafeTensorsException(file, name, "no such tensor in this file");
        return t;
    }

    @Override
    public Path fileOf(String name) throws SafeTensorsException {
        info(name);
        return file;
    }

    /** Absolute byte offset of a tensor's first element in {@link #segment()}. */
    public long absoluteOffset(String name) throws SafeTensorsException { return dataStart + info(name).begin(); }

    @Override
    public Mat mat(String name) throws SafeTensorsException {
        TensorInfo t = floatTensor(name);
        long[] s = t.shape();
        long cols = s.length == 0 ? 1 : s[s.length - 1];
        long rows = 1;                                   // product of the leading dimensions
        for (int i = 0; i < s.length - 1; i++) rows = Math.multiplyExact(rows, s[i]);
        if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE)
            throw new SafeTensorsException(file, name, "shape " + t.shapeString() + " does not fit an int-indexed [rows, cols] matrix");
        if (t.dtype() == DType.F32) {
            // Zero-copy: a view of the mapping. Mat reads native order, which open() checked is little-endian.
            return new Mat(mapping.asSlice(dataStart + t.begin(), t.byteLength()), 0, (int) rows, (int) cols);
        }
        // F16 / BF16: converted, into native memory rather than a heap array. The GEMM's vector loads read native
        // segments fastest when they never see a heap one (nci.tensor.Gemm, packPanels), and a half-precision
        // model's m = 1 products and LM head read these matrices with such loads.
        float[] v = floats(name);
        MemorySegment seg = Arena.ofAuto().allocate((long) v.length * Float.BYTES, 64);
        MemorySegment.copy(v, 0, seg, ValueLayout.JAVA_FLOAT, 0, v.length);
        return new Mat(seg, 0, (int) rows, (int) cols);
    }

    @Override
    public float[] floats(String name) throws SafeTensorsException {
        TensorInfo t = floatTensor(name);
        int n = heapCount(t);
        float[] out = new float[n];
        long off = dataStart + t.begin();
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(mapping, F32_LE, off, out, 0, n);
            case F16 -> Half.f16ToF32(mapping, off, out, 0, n);
            case BF16 -> Half.bf16ToF32(mapping, off, out, 0, n);
            default -> throw new AssertionError(t.dtype());
        }
        return out;
    }

    @Override
    public long[] readLongs(String name) throws SafeTensorsException {
        TensorInfo t = info(name);
        if (!t.dtype().readableAsLong())
            throw new SafeTensorsException(file, name, "dtype " + t.dtype() + " cannot be read as integers (need an integer dtype or BOOL)");
        int n = heapCount(t);
        long[] out = new long[n];
        long off = dataStart + t.begin();
        switch (t.dtype()) {
            case I64 -> MemorySegment.copy(mapping, I64_LE, off, out, 0, n);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = mapping.get(I32_LE, off + 4L * i); }
            case U32 -> { for (int i = 0; i < n; i++) out[i] = Integer.toUnsignedLong(mapping.get(I32_LE, off + 4L * i)); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = mapping.get(I16_LE, off + 2L * i); }
            case U16 -> { for (int i = 0; i < n; i++) out[i] = Short.toUnsignedLong(mapping.get(I16_LE, off + 2L * i)); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = mapping.get(ValueLayout.JAVA_BYTE, off + i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = Byte.toUnsignedLong(mapping.get(ValueLayout.JAVA_BYTE, off + i)); }
            default -> throw new AssertionError(t.dtype());
        }
        return out;
    }

    private TensorInfo floatTensor(String name) throws SafeTensorsException {
        TensorInfo t = info(name);
        if (!t.dtype().readableAsFloat())
            throw new SafeTensorsException(file, name, "dtype " + t.dtype() + " cannot be read as float (supported: F32, F16, BF16)"
                    + (t.dtype().readableAsLong() ? "; use readLongs" : ""));
        return t;
    }

    private int heapCount(TensorInfo t) throws SafeTensorsException {
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8)
            throw new SafeTensorsException(file, t.name(), n + " elements do not fit one Java array");
        return (int) n;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    @Override
    public String toString() { return "SafeTensors[" + file + ", " + tensors.size() + " tensors]"; }
}
