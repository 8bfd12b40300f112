package nci.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** F16 (IEEE half) and BF16 (top 16 bits of an F32) to F32, exactly. */
public final class Half {
    private Half() {}

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static float bf16ToF32(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    public static float f16ToF32(short bits) { return Float.float16ToFloat(bits); }

    /** dst[dstOff + i] = f16(src at byte srcOff + 2i), little-endian, for i < n. */
    public static void f16ToF32(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src.get(SHORT_LE, srcOff + 2L * i));
    }

    /** dst[dstOff + i] = bf16(src at byte srcOff + 2i), little-endian, for i < n. */
    public static void bf16ToF32(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = bf16ToF32(src.get(SHORT_LE, srcOff + 2L * i));
    }
}
