package nci.gpt2.io;

/**
 * The element types a safetensors header may name, with their sizes in bytes.
 * Only {@link #F32}, {@link #F16} and {@link #BF16} can be read as float; the integer types
 * (and BOOL) can be read as long. The others are parsed and sized so that a file holding them
 * is still validated, but reading them is an error.
 */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E4M3(1), F8_E5M2(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    private final int byteSize;

    DType(int byteSize) { this.byteSize = byteSize; }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    /** True for the dtypes {@code floats}/{@code mat} accept: F32 (mapped as is), F16 and BF16 (converted exactly). */
    public boolean readableAsFloat() { return this == F32 || this == F16 || this == BF16; }

    /** True for the dtypes {@code readLongs} accepts (every integer type except U64, whose values may not fit, and BOOL). */
    public boolean readableAsLong() {
        return switch (this) {
            case BOOL, U8, I8, I16, U16, I32, U32, I64 -> true;
            default -> false;
        };
    }

    /** The dtype a header names, or null if the name is not one of these. */
    public static DType fromName(String name) {
        for (DType d : values()) if (d.name().equals(name)) return d;
        return null;
    }
}
