package nci.gpt2;

import nci.tensor.Gemm;
import nci.tensor.Mat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Gpt2Model#packedLayer}: the layer's four matrices as {@link Gemm#pack} lays them out, built once and kept. */
class PackedLayerTest {

    @Test
    void packedLayerHoldsTheLayersMatricesPackedOnce() {
        Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 5);
        long total = 0;
        for (int l = 0; l < model.config().nLayer(); l++) {
            LayerWeights w = model.weights().layers().get(l);
            Gpt2Model.PackedLayer p = model.packedLayer(l);
            assertSame(p, model.packedLayer(l), "layer " + l + ": packed once, then kept");
            List<Mat> mats = List.of(w.attnW(), w.attnProjW(), w.fcW(), w.mlpProjW());
            List<Gemm.PackedB> got = List.of(p.attnW(), p.attnProjW(), p.fcW(), p.mlpProjW());
            for (int i = 0; i < 4; i++) {
                Gemm.PackedB want = Gemm.pack(mats.get(i));
                assertEquals(want.rows(), got.get(i).rows(), "layer " + l + " matrix " + i + " rows");
                assertEquals(want.cols(), got.get(i).cols(), "layer " + l + " matrix " + i + " cols");
                assertArrayEquals(want.data().toArray(Mat.FLOAT), got.get(i).data().toArray(Mat.FLOAT), "layer " + l + " matrix " + i + " panels");
            }
            total += p.bytes();
        }
        assertEquals(total, model.packedBytes(), "packedBytes is what the packed layers hold");
        assertThrows(IllegalArgumentException.class, () -> model.packedLayerOnReuse(-1));
    }

    @Test
    void packedLayerOnReuseWaitsForTheSecondPass() {
        Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 6);
        for (int r = 0; r < Gpt2Model.PACK_AFTER_REQUESTS; r++)
            assertNull(model.packedLayerOnReuse(1), "request " + r + " of layer 1: not packed yet");
        Gpt2Model.PackedLayer p = model.packedLayerOnReuse(1);
        assertNotNull(p, "request " + Gpt2Model.PACK_AFTER_REQUESTS + " of layer 1 packs it");
        assertSame(p, model.packedLayer(1));
        assertSame(p, model.packedLayerOnReuse(1));
        assertNull(model.packedLayerOnReuse(0), "layer 0 counts its own requests");
        // a layer packed directly is returned at once
        Gpt2Model.PackedLayer q = model.packedLayer(0);
        assertSame(q, model.packedLayerOnReuse(0));
        assertThrows(IllegalArgumentException.class, () -> model.packedLayer(-1));
        assertThrows(IllegalArgumentException.class, () -> model.packedLayer(model.config().nLayer()));
    }
}
