package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** F16 (IEEE half) and BF16 (top 16 bits of an F32) to F32, exactly. */
public final class Half {
    private Half() {}

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final VectorSpecies<Float> FS = VectorInfo.SPECIES;
    private static final VectorSpecies<Integer> IS = FS.withLanes(int.class);
    /** As many shorts as FS has floats: half the bits. */
    private static final VectorSpecies<Short> SS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FS.vectorBitSize() / 2));
    private static final int L = FS.length();

    public static float bf16ToF32(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    public static float f16ToF32(short bits) { return Float.float16ToFloat(bits); }

    /** dst[dstOff + i] = f16(src at byte srcOff + 2i), little-endian, for i < n. */
    public static void f16ToF32(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        if (VectorInfo.ENABLED) f16ToF32Vector(src, srcOff, dst, dstOff, n);
        else f16ToF32Scalar(src, srcOff, dst, dstOff, n);
    }

    /** dst[dstOff + i] = bf16(src at byte srcOff + 2i), little-endian, for i < n. */
    public static void bf16ToF32(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        if (VectorInfo.ENABLED) bf16ToF32Vector(src, srcOff, dst, dstOff, n);
        else bf16ToF32Scalar(src, srcOff, dst, dstOff, n);
    }

    public static void f16ToF32Scalar(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src.get(SHORT_LE, srcOff + 2L * i));
    }

    public static void bf16ToF32Scalar(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = bf16ToF32(src.get(SHORT_LE, srcOff + 2L * i));
    }

    /**
     * Bit-exact F16 decode, L lanes at a time, as Float.float16ToFloat: normals re-bias the exponent
     * (+112 = 127 - 15), inf/NaN keep their payload under an all-ones exponent (NaNs quieted, as
     * Float.float16ToFloat and vcvtph2ps do), subnormals are
     * mantissa·2⁻²⁴ (exact in float), and the sign is or-ed back in.
     */
    public static void f16ToF32Vector(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int ub = FS.loopBound(n); i < ub; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SS, src, srcOff + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, IS, 0);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector em = h.and(0x7FFF);
            IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = shifted.add(112 << 23);
            bits = bits.blend(shifted.add(224 << 23), em.compare(VectorOperators.GE, 0x7C00));
            bits = bits.blend(bits.or(0x0040_0000), em.compare(VectorOperators.GT, 0x7C00)); // NaNs come out quiet
            VectorMask<Integer> sub = em.compare(VectorOperators.LT, 0x0400);
            FloatVector subValue = ((FloatVector) em.convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
            bits = bits.blend(subValue.reinterpretAsInts(), sub);
            bits.or(sign).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        f16ToF32Scalar(src, srcOff + 2L * i, dst, dstOff + i, n - i);
    }

    /** BF16 is the top half of an F32: widen (sign-extending is harmless, the shift drops it) and shift left 16. */
    public static void bf16ToF32Vector(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int ub = FS.loopBound(n); i < ub; i += L) {
            ((IntVector) ShortVector.fromMemorySegment(SS, src, srcOff + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, IS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        bf16ToF32Scalar(src, srcOff + 2L * i, dst, dstOff + i, n - i);
    }
}
