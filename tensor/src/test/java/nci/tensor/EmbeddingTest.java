package nci.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Embedding: one float addition per element either way, so vector and scalar agree bit for bit. */
class EmbeddingTest {

    @Test
    void vectorMatchesScalar() {
        int l = VectorInfo.lanes();
        for (int e : new int[] {1, l - 1, l + 1, 767, 3073}) {
            int vocab = 50, positions = 12, T = 7, posStart = 4;
            Mat wte = GemmTest.unalignedMat(Check.gaussian(e, vocab * e, 0.5f), vocab, e);
            Mat wpe = Mat.of(Check.gaussian(e + 1, positions * e, 0.5f), positions, e);
            int[] ids = {9, 0, 49, 3, 3, 17, 21, 8, 2};
            float[] ref = new float[1 + T * e], got = new float[1 + T * e];
            Embedding.lookupScalar(wte, wpe, ids, 1, T, posStart, ref, 1);
            Embedding.lookupVector(wte, wpe, ids, 1, T, posStart, got, 1);
            Check.sameBits("embedding e=" + e, ref, got);
            assertEquals(wte.get(49, e - 1) + wpe.get(posStart + 1, e - 1), got[1 + e + e - 1], "out[1][e-1] = wte[49] + wpe[5]");
        }
    }

    @Test
    void badInputIsRejected() {
        Mat wte = Mat.of(new float[12], 3, 4), wpe = Mat.of(new float[8], 2, 4);
        var ex = assertThrows(IllegalArgumentException.class,
                () -> Embedding.lookupVector(wte, wpe, new int[] {0, 3}, 0, 2, 0, new float[8], 0));
        assertTrue(ex.getMessage().contains("token id 3"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class,
                () -> Embedding.lookupVector(wte, wpe, new int[] {0, 1}, 0, 2, 1, new float[8], 0));
        assertTrue(ex.getMessage().contains("n_positions"), ex.getMessage());
    }
}
