package nci.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VecOps, LayerNorm, Softmax and the GELUs: vector path against scalar twin on the sizes
 * 0, 1, lanes-1, lanes+1, 767, 3073, 50257, at non-zero offsets. Tolerances are stated per op (eps = 2⁻²³).
 */
class ElementwiseTest {

    /**
     * VMath.exp: within 2 ulp of Math.exp over the normal range; below the clamp at -104 exactly 0 and from 89 on
     * +inf (both beyond float's range, so the clamp changes no result), -inf to 0, NaN to NaN, ±0 to 1.
     */
    @Test
    void vectorExpAgainstMathExpAndAtItsClamps() {
        for (float x = -87.3f; x <= 88.7f; x += 0.0137f) {
            float got = vectorExp(x), want = (float) Math.exp(x);
            assertTrue(Math.abs(got - want) <= 2 * Math.ulp(want), "exp(" + x + ") = " + got + ", Math.exp " + want);
        }
        for (float x : new float[] {-104f, -104.5f, -200f, -1e30f, Float.NEGATIVE_INFINITY, -Float.MAX_VALUE})
            assertEquals(0f, vectorExp(x), "exp(" + x + ")");
        for (float x : new float[] {89f, 89.5f, 200f, 1e30f, Float.POSITIVE_INFINITY, Float.MAX_VALUE})
            assertEquals(Float.POSITIVE_INFINITY, vectorExp(x), "exp(" + x + ")");
        assertTrue(Float.isNaN(vectorExp(Float.NaN)));
        assertEquals(1f, vectorExp(0f));
        assertEquals(1f, vectorExp(-0f));
    }

    /** VMath.exp of x in every lane, read from lane 0. */
    private static float vectorExp(float x) {
        return VMath.exp(FloatVector.broadcast(VectorInfo.SPECIES, x)).lane(0);
    }

    private static final double EPS = Check.EPS;

    /** add: exactly the same additions, so bit-identical. */
    @Test
    void addIsExact() {
        for (int n : Check.sizes()) {
            float[] a = Check.gaussian(n, n + 3, 1f), b = Check.gaussian(n + 1, n + 5, 1f);
            float[] ref = new float[n + 2], got = new float[n + 2];
            VecOps.addScalar(a, 3, b, 5, ref, 2, n);
            VecOps.addVector(a, 3, b, 5, got, 2, n);
            Check.sameBits("add n=" + n, ref, got);
            // in place (out aliases a)
            float[] a2 = a.clone();
            VecOps.addVector(a2, 3, b, 5, a2, 3, n);
            for (int i = 0; i < n; i++) assertEquals(a[3 + i] + b[5 + i], a2[3 + i], "add in place [" + i + "]");
        }
    }

    @Test
    void dotMatchesDouble() {
        for (int n : Check.sizes()) {
            float[] a = Check.gaussian(n, n + 1, 1f), b = Check.gaussian(n + 9, n + 2, 1f);
            double exact = 0, mag = 0;
            for (int i = 0; i < n; i++) { exact += (double) a[1 + i] * b[2 + i]; mag += Math.abs((double) a[1 + i] * b[2 + i]); }
            float got = VecOps.dotVector(a, 1, b, 2, n);
            // tolerance: 2·(√n + 1)·eps·Σ|a||b|, as for GEMM
            assertTrue(Math.abs(got - exact) <= 2 * (Math.sqrt(n) + 1) * EPS * mag + Float.MIN_NORMAL,
                    "dot n=" + n + ": got " + got + ", exact " + exact);
        }
    }

    /**
     * LayerNorm: mean and variance are sums of `cols` terms summed in different orders, each off by about
     * √cols·eps relatively; the output (x̂·γ + β with |x̂| up to ~4) inherits that.
     * Tolerance (8 + 2√cols)·eps·(1 + |ref|).
     */
    @Test
    void layerNormMatchesScalar() {
        int rows = 3;
        for (int cols : Check.sizes()) {
            if (cols == 0) continue; // a row of no features has no mean: not a LayerNorm
            float[] x = Check.gaussian(cols, 1 + rows * cols, 2f);
            for (int i = 0; i < x.length; i++) x[i] += 1.5f; // non-zero mean on purpose
            float[] gamma = Check.gaussian(cols + 1, cols, 0.1f), beta = Check.gaussian(cols + 2, cols, 0.1f);
            for (int i = 0; i < cols; i++) gamma[i] += 1f;
            float[] ref = new float[2 + rows * cols], got = new float[2 + rows * cols];
            LayerNorm.applyScalar(x, 1, ref, 2, rows, cols, gamma, beta, 1e-5f);
            LayerNorm.applyVector(x, 1, got, 2, rows, cols, gamma, beta, 1e-5f);
            double f = (8 + 2 * Math.sqrt(cols)) * EPS;
            Check.close("layernorm cols=" + cols, ref, 2, got, 2, rows * cols, (i, r) -> f * (1 + Math.abs(r)));
            // in place gives the same bits as out of place
            float[] inPlace = x.clone();
            LayerNorm.applyVector(inPlace, 1, inPlace, 1, rows, cols, gamma, beta, 1e-5f);
            float[] outOfPlace = new float[x.length];
            LayerNorm.applyVector(x, 1, outOfPlace, 1, rows, cols, gamma, beta, 1e-5f);
            Check.sameBits("layernorm in place cols=" + cols, java.util.Arrays.copyOfRange(outOfPlace, 1, x.length),
                    java.util.Arrays.copyOfRange(inPlace, 1, x.length));
        }
    }

    @Test
    void layerNormKnownValues() {
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}; // mean 9, var 24
        float[] gamma = new float[17], beta = new float[17];
        java.util.Arrays.fill(gamma, 2f);
        java.util.Arrays.fill(beta, 0.5f);
        float[] out = new float[17];
        LayerNorm.applyVector(x, 0, out, 0, 1, 17, gamma, beta, 0f);
        for (int i = 0; i < 17; i++)
            assertEquals((i + 1 - 9) / Math.sqrt(24) * 2 + 0.5, out[i], 1e-5, "layernorm known [" + i + "]");
    }

    /**
     * Softmax: exp within a few ulp, and the normalising sum of `len` positive terms in a different order.
     * Tolerance (8 + 2√len)·eps·|ref| (relative), plus the smallest normal for underflowed entries.
     */
    @Test
    void softmaxMatchesScalar() {
        for (int n : Check.sizes()) {
            float[] x = Check.gaussian(n + 100, n + 4, 3f);
            float[] ref = x.clone(), got = x.clone();
            Softmax.inPlaceScalar(ref, 4, n);
            Softmax.inPlaceVector(got, 4, n);
            double f = (8 + 2 * Math.sqrt(n)) * EPS;
            Check.close("softmax n=" + n, ref, got, (i, r) -> f * Math.abs(r) + Float.MIN_NORMAL);
            double sum = 0;
            for (int i = 4; i < 4 + n; i++) sum += got[i];
            if (n > 0) assertEquals(1.0, sum, 1e-4, "softmax n=" + n + " sums to 1");
            for (int i = 0; i < 4; i++) assertEquals(x[i], got[i], "softmax touched x[" + i + "] before off");
        }
    }

    /**
     * logSumExp against a double-precision reference: on random rows of every test size and a vocabulary-sized one,
     * with the max far from 0, and on known values; x is left untouched; edge cases (empty, all -inf, +inf, NaN).
     */
    @Test
    void logSumExpMatchesDoubleReference() {
        int[] sizes = java.util.stream.IntStream.concat(java.util.Arrays.stream(Check.sizes()), java.util.stream.IntStream.of(50257)).toArray();
        for (int n : sizes) {
            if (n == 0) continue;
            float[] x = Check.gaussian(n + 7, n + 3, 4f);
            for (int i = 0; i < x.length; i++) x[i] += 30f;                  // logits are rarely centred on 0
            float[] before = x.clone();
            double ref = Softmax.logSumExpScalar(x, 3, n);
            double got = Softmax.logSumExp(x, 3, n);
            assertEquals(ref, got, 1e-5 * Math.abs(ref) + 1e-5, "logSumExp n=" + n);
            assertArrayEquals(before, x, "logSumExp changed x (n=" + n + ")");
        }
        float[] known = {0f, (float) Math.log(3), (float) Math.log(4)};        // 1 + 3 + 4 = 8
        assertEquals(Math.log(8), Softmax.logSumExp(known, 0, 3), 1e-6);
        assertEquals(Double.NEGATIVE_INFINITY, Softmax.logSumExp(known, 1, 0));
        float[] ninf = new float[20];
        java.util.Arrays.fill(ninf, Float.NEGATIVE_INFINITY);
        assertEquals(Double.NEGATIVE_INFINITY, Softmax.logSumExp(ninf, 0, 20));
        ninf[13] = Float.POSITIVE_INFINITY;
        assertEquals(Double.POSITIVE_INFINITY, Softmax.logSumExp(ninf, 0, 20));
        ninf[5] = Float.NaN;
        assertTrue(Double.isNaN(Softmax.logSumExp(ninf, 0, 20)), "NaN in, NaN out");
        assertThrows(IllegalArgumentException.class, () -> Softmax.logSumExp(known, 2, 2));
    }

    @Test
    void softmaxKnownValues() {
        float[] x = {0f, (float) Math.log(3), 0f, (float) Math.log(4), 0f, 0f, 0f, 0f, 0f, (float) Math.log(2)};
        Softmax.inPlaceVector(x, 0, x.length); // weights 1,3,1,4,1,1,1,1,1,2 over 16
        float[] want = {1 / 16f, 3 / 16f, 1 / 16f, 4 / 16f, 1 / 16f, 1 / 16f, 1 / 16f, 1 / 16f, 1 / 16f, 2 / 16f};
        Check.close("softmax known", want, x, (i, r) -> 4 * EPS);
    }

    /**
     * gelu_new: the vector path computes x / (1 + exp(-2u)) (an identity of 0.5·x·(1 + tanh u)). Both paths
     * evaluate u = √(2/π)(x + 0.044715x³) in float; on the negative tail the result is proportional to
     * exp(2u), so a relative error δ in u becomes 2|u|δ in the result. Tolerance
     * 4·eps·|x| + 8·eps·(1 + 2|u|)·|ref|.
     */
    @Test
    void geluTanhMatchesScalar() {
        for (int n : Check.sizes()) {
            float[] x = Check.gaussian(n + 7, n + 1, 3f);
            float[] ref = x.clone(), got = x.clone();
            Gelu.tanhApproxScalar(ref, 1, n);
            Gelu.tanhApproxVector(got, 1, n);
            Check.close("gelu_new n=" + n, ref, got, (i, r) -> {
                double v = Math.abs(x[i]), u = 0.7978845608 * (v + 0.044715 * v * v * v);
                return 4 * EPS * v + 8 * EPS * (1 + 2 * u) * Math.abs(r) + Float.MIN_NORMAL;
            });
        }
    }

    @Test
    void geluTanhKnownValues() {
        // 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) in double
        float[] x = {0f, 1f, -1f, 2f, -3f, 0.5f, 10f, -10f, 1e-3f};
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            want[i] = (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        }
        assertEquals(0.8411920070648193f, want[1], 1e-7f, "gelu_new(1) reference value");
        float[] got = x.clone();
        Gelu.tanhApproxVector(got, 0, got.length);
        Check.close("gelu_new known", want, got, (i, r) -> 8 * EPS * (Math.abs(r) + Math.abs(x[i])) + 1e-30);
    }

    /**
     * Exact GELU: the scalar twin uses a double erf (~1e-15); the vector path an erfc fit with relative error
     * below 1.2e-7, evaluated in float with exp(-z² + P): an argument of size z² + 2 carries about (z² + 2)·eps of
     * absolute error, which is the result's relative error. Tolerance |ref|·(2e-7 + 4·eps·(x²/2 + 2)) + 2·eps·|x|.
     */
    @Test
    void geluExactMatchesScalar() {
        for (int n : Check.sizes()) {
            float[] x = Check.gaussian(n + 11, n + 2, 3f);
            float[] ref = x.clone(), got = x.clone();
            Gelu.exactScalar(ref, 2, n);
            Gelu.exactVector(got, 2, n);
            Check.close("gelu n=" + n, ref, got, (i, r) -> {
                double v = x[i];
                return Math.abs(r) * (2e-7 + 4 * EPS * (v * v / 2 + 2)) + 2 * EPS * Math.abs(v) + Float.MIN_NORMAL;
            });
        }
    }

    @Test
    void geluExactSpecialValues() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 40f, -40f, 1f};
        float[] got = x.clone();
        Gelu.exactVector(got, 0, x.length);
        assertTrue(Float.isNaN(got[0]), "gelu(NaN)");
        assertEquals(Float.POSITIVE_INFINITY, got[1], "gelu(+inf)");
        assertEquals(0f, Math.abs(got[3]), "gelu(0)");
        assertEquals(40f, got[5], "gelu(40)");
        assertEquals(0f, Math.abs(got[6]), "gelu(-40) underflows to zero");
        assertEquals(0.8413447460685429, got[7], 2e-7, "gelu(1) = Φ(1)");
    }

    /** Gelu.erf to 1e-14 against known values (Python math.erf, i.e. the C library's erf). */
    @Test
    void erfKnownValues() {
        double[][] known = {
                {0.0, 0.0}, {0.001, 0.0011283787909692365}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465},
                {1.0, 0.8427007929497149}, {-1.0, -0.8427007929497149}, {2.0, 0.9953222650189527},
                {2.4999, 0.9995928300996666}, {2.5, 0.999593047982555}, {2.6, 0.9997639655834707},
                {3.0, 0.9999779095030014}, {4.0, 0.9999999845827421}, {6.0, 1.0}, {-0.3, -0.3286267594591274},
        };
        for (double[] kv : known)
            assertEquals(kv[1], Gelu.erf(kv[0]), 1e-14, "erf(" + kv[0] + ")");
    }
}
