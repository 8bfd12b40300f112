package nci.patching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The model digest identifies weights and config by content, not by file layout. */
class ModelDigestTest {

    @Test
    void sameWeightsInAnotherFileLayoutHaveTheSameDigest() {
        ModelDigest plain = FixtureParityTest.digest("tiny-a");
        assertEquals(plain, ModelDigest.of(Fixtures.model("tiny-a-prefixed")), "prefixed layout, same values");
        assertEquals(plain, ModelDigest.of(Fixtures.model("tiny-a-buffers")), "extra mask buffers are not weights");
        assertNotEquals(plain, ModelDigest.of(Fixtures.model("tiny-a-f16")), "rounded weights are other weights");
        assertNotEquals(plain, FixtureParityTest.digest("tiny-b"));
        assertEquals(64, plain.hex().length());
    }
}
