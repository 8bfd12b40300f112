package nci.bench;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import nci.tensor.Mat;

/** Seeded uniform fills for benchmark operands: same seed, same numbers, in every fork. */
final class Seeded {
    private Seeded() {}

    /** dst[off .. off+len) = uniform in [-scale, scale). */
    static void fill(float[] dst, int off, int len, SplittableRandom rnd, float scale) {
        for (int i = 0; i < len; i++) dst[off + i] = uniform(rnd, scale);
    }

    /** count floats from float index {@code offset} of seg = uniform in [-scale, scale). */
    static void fill(MemorySegment seg, long offset, long count, SplittableRandom rnd, float scale) {
        for (long i = 0; i < count; i++) seg.setAtIndex(Mat.FLOAT, offset + i, uniform(rnd, scale));
    }

    static float[] array(int len, SplittableRandom rnd, float scale) {
        float[] out = new float[len];
        fill(out, 0, len, rnd, scale);
        return out;
    }

    /** 24 random bits -> [0, 1) exactly representable, then to [-scale, scale). */
    private static float uniform(SplittableRandom rnd, float scale) {
        float u = (rnd.nextInt() >>> 8) * 0x1.0p-24f;
        return (2f * u - 1f) * scale;
    }
}
