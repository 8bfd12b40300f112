package nci.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every public kernel runs its vector implementation, or its scalar twin under {@code -Dnci.vector=false},
 * bit for bit. Run the suite once with {@code -Dnci.vector=false} to exercise the other branch.
 */
class DispatchTest {
    private static final boolean V = VectorInfo.enabled();

    @Test
    void flagMatchesProperty() {
        assertEquals(!"false".equalsIgnoreCase(System.getProperty("nci.vector", "true").trim()), V);
    }

    @Test
    void publicKernelsDispatch() {
        int n = 3073, m = 3, k = 40;
        float[] x = Check.gaussian(1, n, 2f), y = Check.gaussian(2, n, 1f);
        float[] want, got;

        want = new float[n]; got = new float[n];
        if (V) VecOps.addVector(x, 0, y, 0, want, 0, n); else VecOps.addScalar(x, 0, y, 0, want, 0, n);
        VecOps.add(x, 0, y, 0, got, 0, n);
        Check.sameBits("VecOps.add", want, got);

        want = x.clone(); got = x.clone();
        if (V) Softmax.inPlaceVector(want, 0, n); else Softmax.inPlaceScalar(want, 0, n);
        Softmax.inPlace(got, 0, n);
        Check.sameBits("Softmax.inPlace", want, got);

        want = x.clone(); got = x.clone();
        if (V) Gelu.tanhApproxVector(want, 0, n); else Gelu.tanhApproxScalar(want, 0, n);
        Gelu.tanhApprox(got, 0, n);
        Check.sameBits("Gelu.tanhApprox", want, got);

        want = x.clone(); got = x.clone();
        if (V) Gelu.exactVector(want, 0, n); else Gelu.exactScalar(want, 0, n);
        Gelu.exact(got, 0, n);
        Check.sameBits("Gelu.exact", want, got);

        want = new float[n]; got = new float[n];
        if (V) LayerNorm.applyVector(x, 0, want, 0, 1, n, y, y, 1e-5f); else LayerNorm.applyScalar(x, 0, want, 0, 1, n, y, y, 1e-5f);
        LayerNorm.apply(x, 0, got, 0, 1, n, y, y, 1e-5f);
        Check.sameBits("LayerNorm.apply", want, got);

        Mat b = Mat.of(Check.gaussian(3, k * 77, 1f), k, 77);
        want = new float[m * 77]; got = new float[m * 77];
        if (V) Gemm.matmulVector(x, 0, m, k, b, null, want, 0); else Gemm.matmulScalar(x, 0, m, k, b, null, want, 0);
        Gemm.matmul(x, 0, m, k, b, null, got, 0);
        Check.sameBits("Gemm.matmul", want, got);

        Mat bt = Mat.of(Check.gaussian(4, 77 * k, 1f), 77, k);
        if (V) Gemm.matmulTransposedVector(x, 0, m, k, bt, want, 0); else Gemm.matmulTransposedScalar(x, 0, m, k, bt, want, 0);
        Gemm.matmulTransposed(x, 0, m, k, bt, got, 0);
        Check.sameBits("Gemm.matmulTransposed", want, got);

        int T = 9, d = 16;
        float[] q = Check.gaussian(5, T * d, 1f);
        want = new float[T * d]; got = new float[T * d];
        if (V) Attention.causalVector(q, 0, d, q, 0, d, q, 0, d, want, 0, d, T, d, 0, null, 0);
        else Attention.causalScalar(q, 0, d, q, 0, d, q, 0, d, want, 0, d, T, d, 0, null, 0);
        Attention.causal(q, 0, d, q, 0, d, q, 0, d, got, 0, d, T, d, 0, null, 0);
        Check.sameBits("Attention.causal", want, got);

        Mat wte = Mat.of(Check.gaussian(6, 10 * d, 1f), 10, d), wpe = Mat.of(Check.gaussian(7, 4 * d, 1f), 4, d);
        int[] ids = {3, 1, 4};
        want = new float[3 * d]; got = new float[3 * d];
        if (V) Embedding.lookupVector(wte, wpe, ids, 0, 3, 1, want, 0); else Embedding.lookupScalar(wte, wpe, ids, 0, 3, 1, want, 0);
        Embedding.lookup(wte, wpe, ids, 0, 3, 1, got, 0);
        Check.sameBits("Embedding.lookup", want, got);

        MemorySegment h = MemorySegment.ofArray(new short[] {0x3C00, 0x7C01, 0x0001, (short) 0xC000, 0x3555, 0, 1, 2, 3, 4, 5});
        want = new float[11]; got = new float[11];
        if (V) Half.f16ToF32Vector(h, 0, want, 0, 11); else Half.f16ToF32Scalar(h, 0, want, 0, 11);
        Half.f16ToF32(h, 0, got, 0, 11);
        Check.sameBits("Half.f16ToF32", want, got);
        if (V) Half.bf16ToF32Vector(h, 0, want, 0, 11); else Half.bf16ToF32Scalar(h, 0, want, 0, 11);
        Half.bf16ToF32(h, 0, got, 0, 11);
        Check.sameBits("Half.bf16ToF32", want, got);
    }
}
