package nci.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Batches whose arrays no Java array can hold are refused before anything is allocated, naming the array; in int
 * arithmetic their lengths wrapped (tiny-a: V = 50257, E = 32, H = 4, 2 layers, n_positions 64).
 */
class Gpt2SizeTest {

    @Test
    void forwardCountsItsFloatsAndRefusesArraysPastTheLimit() throws IOException {
        try (Gpt2Model m = Gpt2Loader.load(Fixtures.model("tiny-a"))) {
            long rows = 667L * 64;                                        // E = 32, I = 128 floats a row, and V with logits
            assertEquals(rows * (8 * 32 + 128), m.forwardFloats(667, 64, false, false));
            assertEquals(rows * (8 * 32 + 128 + 50257), m.forwardFloats(667, 64, false, true));
            assertEquals(rows * (8 * 32 + 128) + 2 * rows * 32 + 2L * 667 * 4 * 64 * 64, m.forwardFloats(667, 64, true, false));

            int[][] batch = new int[668][64];                             // 668·64·50257 = 2148587264 > 2^31 - 9
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(batch, false, true));
            assertEquals("batch too large: logits [B, T, V] = [668, 64, 50257] would be 2148587264 floats, more than a Java array "
                    + "holds (2147483639)", e.getMessage());
            assertEquals(668L * 64 * (8 * 32 + 128), m.forwardFloats(668, 64, false, false), "without logits it fits");
            e = assertThrows(IllegalArgumentException.class, () -> m.forwardFloats(131072, 64, true, false));
            assertEquals("batch too large: attention patterns [B, H, T, T] = [131072, 4, 64, 64] would be 2147483648 floats, more than a "
                    + "Java array holds (2147483639)", e.getMessage());
        }
    }

    @Test
    void buildingBlocksRefuseRowCountsPastTheLimit() throws IOException {
        try (Gpt2Model m = Gpt2Loader.load(Fixtures.model("tiny-a"))) {
            float[] h = new float[32];                                   // never read: the size is checked first
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.logits(h, 0, 42800));
            assertEquals("batch too large: logits [rows, V] = [42800, 50257] would be 2150999600 floats, more than a Java array holds "
                    + "(2147483639)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.logits(h, 0, -1));
            assertEquals("logits [rows, V]: negative size in [-1, 50257]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.mlp(0, h, 20_000_000));
            assertEquals("batch too large: MLP hidden [rows, I] = [20000000, 128] would be 2560000000 floats, more than a Java array holds "
                    + "(2147483639)", e.getMessage());
            assertEquals(50257, m.logits(new float[32], 0, 1).length);
        }
    }
}
