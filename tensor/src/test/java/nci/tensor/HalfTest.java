package nci.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** F16 and BF16 decoding: exhaustive over all 65536 patterns, bit for bit, plus known patterns. */
class HalfTest {
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** All 65536 patterns in little-endian order, starting at an odd byte offset (unaligned). */
    private static MemorySegment allPatterns() {
        MemorySegment seg = Arena.ofAuto().allocate(2 * 65536 + 1).asSlice(1);
        for (int i = 0; i < 65536; i++) seg.set(LE, 2L * i, (short) i);
        return seg;
    }

    @Test
    void f16ExhaustiveBitExact() {
        MemorySegment seg = allPatterns();
        float[] vec = new float[65536 + 3], sca = new float[65536 + 3];
        Half.f16ToF32Vector(seg, 0, vec, 3, 65536);
        Half.f16ToF32Scalar(seg, 0, sca, 3, 65536);
        for (int i = 0; i < 65536; i++) {
            int want = Float.floatToRawIntBits(Float.float16ToFloat((short) i));
            if (Float.floatToRawIntBits(vec[3 + i]) != want || Float.floatToRawIntBits(sca[3 + i]) != want)
                fail(String.format("f16 0x%04x: want bits 0x%08x, vector 0x%08x, scalar 0x%08x", i, want,
                        Float.floatToRawIntBits(vec[3 + i]), Float.floatToRawIntBits(sca[3 + i])));
        }
    }

    @Test
    void bf16ExhaustiveBitExact() {
        MemorySegment seg = allPatterns();
        float[] vec = new float[65536], sca = new float[65536];
        Half.bf16ToF32Vector(seg, 0, vec, 0, 65536);
        Half.bf16ToF32Scalar(seg, 0, sca, 0, 65536);
        for (int i = 0; i < 65536; i++) {
            int want = i << 16; // BF16 = the top 16 bits of an F32
            if (Float.floatToRawIntBits(vec[i]) != want || Float.floatToRawIntBits(sca[i]) != want)
                fail(String.format("bf16 0x%04x: want bits 0x%08x, vector 0x%08x, scalar 0x%08x", i, want,
                        Float.floatToRawIntBits(vec[i]), Float.floatToRawIntBits(sca[i])));
        }
    }

    @Test
    void f16KnownPatterns() {
        assertEquals(1.0f, Half.f16ToF32((short) 0x3C00));
        assertEquals(-2.0f, Half.f16ToF32((short) 0xC000));
        assertEquals(65504f, Half.f16ToF32((short) 0x7BFF), "largest normal");
        assertEquals(0x1p-14f, Half.f16ToF32((short) 0x0400), "smallest normal");
        assertEquals(0x1p-24f, Half.f16ToF32((short) 0x0001), "smallest subnormal");
        assertEquals(1023 * 0x1p-24f, Half.f16ToF32((short) 0x03FF), "largest subnormal");
        assertEquals(Float.POSITIVE_INFINITY, Half.f16ToF32((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, Half.f16ToF32((short) 0xFC00));
        assertTrue(Float.isNaN(Half.f16ToF32((short) 0x7E00)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Half.f16ToF32((short) 0x8000)));
        // the same through the bulk vector path, at every position of a vector and in the tail
        short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0400, 0x0001, 0x03FF, 0x7C00, (short) 0xFC00, 0x7E00, (short) 0x8000, 0x3555};
        float[] want = {1f, -2f, 65504f, 0x1p-14f, 0x1p-24f, 1023 * 0x1p-24f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, -0f, 0.333251953125f};
        for (int n : Check.sizes()) {
            MemorySegment seg = Arena.ofAuto().allocate(2L * n + 3).asSlice(3);
            for (int i = 0; i < n; i++) seg.set(LE, 2L * i, bits[i % bits.length]);
            float[] got = new float[n];
            Half.f16ToF32Vector(seg, 0, got, 0, n);
            for (int i = 0; i < n; i++)
                assertEquals(Float.floatToIntBits(want[i % bits.length]), Float.floatToIntBits(got[i]),
                        "f16 bulk n=" + n + " [" + i + "] bits 0x" + Integer.toHexString(bits[i % bits.length] & 0xffff));
        }
    }

    @Test
    void bf16KnownPatterns() {
        assertEquals(1.0f, Half.bf16ToF32((short) 0x3F80));
        assertEquals(-2.0f, Half.bf16ToF32((short) 0xC000));
        assertEquals(Float.POSITIVE_INFINITY, Half.bf16ToF32((short) 0x7F80));
        assertTrue(Float.isNaN(Half.bf16ToF32((short) 0x7FC0)));
        for (int n : Check.sizes()) {
            MemorySegment seg = Arena.ofAuto().allocate(2L * n + 1).asSlice(1);
            for (int i = 0; i < n; i++) seg.set(LE, 2L * i, (short) (0x3F80 + i));
            float[] got = new float[n], ref = new float[n];
            Half.bf16ToF32Vector(seg, 0, got, 0, n);
            Half.bf16ToF32Scalar(seg, 0, ref, 0, n);
            Check.sameBits("bf16 bulk n=" + n, ref, got);
            if (n > 0) assertEquals(1.0f, got[0]);
        }
    }
}
