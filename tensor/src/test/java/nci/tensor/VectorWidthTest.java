package nci.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The tile shapes follow the vector width, and the build's second test run (tensor/pom.xml, 256-bit vectors) really
 * runs the narrow kernels: there {@code nci.test.maxLanes} is 8, and this fails if the JVM ignored the cap.
 */
class VectorWidthTest {
    @Test
    void tileShapeFollowsTheVectorWidth() {
        int lanes = VectorInfo.lanes();
        String cap = System.getProperty("nci.test.maxLanes");
        if (cap != null) assertTrue(lanes <= Integer.parseInt(cap), lanes + " lanes where the run capped them at " + cap);
        assertEquals(lanes >= 16, Gemm.WIDE);
        assertEquals(Gemm.WIDE ? 7 : 6, Gemm.MR);
        assertEquals((Gemm.WIDE ? 3 : 2) * lanes, Gemm.NR);
        assertEquals(Gemm.NR, Gemm.panelWidth());
        assertEquals(0, Gemm.NC % Gemm.NR, "column blocks are whole panels");
    }
}
