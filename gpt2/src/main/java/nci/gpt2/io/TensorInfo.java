package nci.gpt2.io;

import java.util.Arrays;

/**
 * One entry of a safetensors header. {@code begin} and {@code end} are the header's {@code data_offsets}:
 * byte offsets relative to the start of the data region (just after the header), end exclusive.
 * A 0-dim tensor (shape {@code []}) holds one element.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
    public TensorInfo {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("empty tensor name");
        if (dtype == null) throw new IllegalArgumentException("tensor '" + name + "': no dtype");
        shape = shape.clone();
        for (long s : shape)
            if (s < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
        if (begin < 0 || end < begin)
            throw new IllegalArgumentException("tensor '" + name + "': bad data_offsets [" + begin + ", " + end + "]");
    }

    /** A copy of the shape (records hand out their arrays otherwise). */
    @Override
    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    /** Product of the shape (1 for a 0-dim tensor); ArithmeticException on overflow. */
    public long numel() {
        long n = 1;
        for (long s : shape) n = Math.multiplyExact(n, s);
        return n;
    }

    /** Bytes the shape and dtype call for: numel × element size. */
    public long expectedByteLength() { return Math.multiplyExact(numel(), dtype.byteSize()); }

    public long byteLength() { return end - begin; }

    public boolean hasShape(long... expected) { return Arrays.equals(shape, expected); }

    public String shapeString() { return Arrays.toString(shape); }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() { return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin); }

    @Override
    public String toString() { return name + " " + dtype + shapeString() + " @[" + begin + ", " + end + ")"; }
}
