package nci.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A read-only float32 matrix {@code [rows, cols]}, row-major, stored in a {@link MemorySegment}
 * (a slice of a memory-mapped weight file, or a heap array). {@code offset} counts floats, not bytes,
 * and is a long so that files over 2 GB work. Values are read in native byte order, which the weight
 * loader checks is little-endian (the safetensors order).
 */
public record Mat(MemorySegment data, long offset, int rows, int cols) {

    /** Unaligned native-order float: safetensors only promises byte offsets. */
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    public Mat {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative matrix shape [" + rows + ", " + cols + "]");
        if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
        long need = (offset + (long) rows * cols) * Float.BYTES;
        if (need > data.byteSize())
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] at float offset " + offset
                    + " needs " + need + " bytes, segment has " + data.byteSize());
    }

    /** A heap matrix over {@code values} (not copied). */
    public static Mat of(float[] values, int rows, int cols) {
        if ((long) rows * cols != values.length)
            throw new IllegalArgumentException("[" + rows + ", " + cols + "] does not match " + values.length + " values");
        return new Mat(MemorySegment.ofArray(values), 0, rows, cols);
    }

    public float get(int r, int c) {
        return data.getAtIndex(FLOAT, offset + (long) r * cols + c);
    }

    /** Byte offset of element (r, c) in {@link #data()}. */
    public long byteOffset(int r, int c) {
        return (offset + (long) r * cols + c) * Float.BYTES;
    }

    /** Row r copied into dst[dstOff .. dstOff+cols). */
    public void copyRow(int r, float[] dst, int dstOff) {
        MemorySegment.copy(data, FLOAT, byteOffset(r, 0), dst, dstOff, cols);
    }

    /** A fresh heap copy of all values, row-major. */
    public float[] toArray() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        MemorySegment.copy(data, FLOAT, byteOffset(0, 0), out, 0, out.length);
        return out;
    }
}
