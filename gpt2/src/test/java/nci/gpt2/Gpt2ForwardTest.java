package nci.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import nci.tensor.Mat;
import nci.tensor.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The flat forward (stacked rows, fused add + LayerNorm, parallel row chunks and heads) against the building
 * blocks composed one sequence at a time, bit for bit: the patching engine builds on the blocks and compares with
 * the forward exactly. Enough rows (3 x 45) that every parallel pass is cut into several chunks.
 */
class Gpt2ForwardTest {
    private static final int INITIAL_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() { Parallel.setThreads(INITIAL_THREADS); }

    @Test
    void forwardEqualsTheBlocksComposedBitForBit() {
        for (Activation act : Activation.values()) {
            Gpt2Model model = randomModel(act, 11);
            int[][] batch = tokens(3, 45, model.config().vocabSize(), 12);
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                Gpt2Model.Forward f = model.forward(batch, true, true);
                String at = act + " threads=" + threads;
                compareWithBlocks(model, batch, f, at);
            }
        }
    }

    private static void compareWithBlocks(Gpt2Model model, int[][] batch, Gpt2Model.Forward f, String at) {
        Gpt2Config c = model.config();
        int T = batch[0].length, e = c.nEmbd(), h = c.nHead(), v = c.vocabSize(), nl = c.nLayer();
        assertEquals(nl + 1, f.hiddenStates().size(), at + ": hidden states");
        assertEquals(nl, f.attentions().size(), at + ": attention patterns");
        for (int i = 0; i < batch.length; i++) {
            float[] x = model.embed(batch[i]);
            for (int l = 0; l < nl; l++) {
                sameRows(at + " seq " + i + " hidden_states." + l, x, 0, f.hiddenStates().get(l), i * T * e, T * e);
                float[] probs = new float[h * T * T];
                x = Gpt2Model.add(x, model.attention(l, x, T, probs));
                sameRows(at + " seq " + i + " attentions." + l, probs, 0, f.attentions().get(l), i * h * T * T, h * T * T);
                x = Gpt2Model.add(x, model.mlp(l, x, T));
            }
            float[] last = model.lnFinal(x, T);
            sameRows(at + " seq " + i + " last hidden", last, 0, f.lastHidden(), i * T * e, T * e);
            sameRows(at + " seq " + i + " hidden_states." + nl, last, 0, f.hiddenStates().get(nl), i * T * e, T * e);
            sameRows(at + " seq " + i + " logits", model.logits(last, 0, T), 0, f.logits(), i * T * v, T * v);
        }
    }

    /** expected[eOff..+n) and actual[aOff..+n) have the same bits; else the first differences and max abs error. */
    private static void sameRows(String name, float[] expected, int eOff, float[] actual, int aOff, int n) {
        int bad = 0;
        double max = 0;
        StringBuilder first = new StringBuilder();
        for (int j = 0; j < n; j++) {
            float a = actual[aOff + j], x = expected[eOff + j];
            if (Float.floatToRawIntBits(a) != Float.floatToRawIntBits(x)) {
                max = Math.max(max, Math.abs((double) a - x));
                if (bad++ < 5) first.append(String.format("%n  [%d] forward=%s blocks=%s", j, a, x));
            }
        }
        if (bad > 0) fail(name + ": " + bad + " of " + n + " values differ from the blocks, max abs error " + max + first);
    }

    /** 2 layers, 4 heads of 16, MLP 256, 97 tokens: small, but past every vector width and chunk size. */
    static Gpt2Model randomModel(Activation act, long seed) {
        return randomModel(act, seed, 64, 256);
    }

    /** The same with other widths: e (a multiple of 4 heads) and the MLP's inner width. */
    static Gpt2Model randomModel(Activation act, long seed, int e, int inner) {
        SplittableRandom r = new SplittableRandom(seed);
        int nl = 2, h = 4, p = 64, v = 97;
        Gpt2Config config = new Gpt2Config(nl, h, e, p, v, inner, 1e-5f, act);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < nl; l++)
            layers.add(new LayerWeights(around(r, e, 1), around(r, e, 0),
                    mat(r, e, 3 * e, 0.25), around(r, 3 * e, 0), mat(r, e, e, 0.25), around(r, e, 0),
                    around(r, e, 1), around(r, e, 0), mat(r, e, inner, 0.25), around(r, inner, 0),
                    mat(r, inner, e, 0.12), around(r, e, 0)));
        Mat wte = mat(r, v, e, 0.5);
        return new Gpt2Model(config, new Gpt2Weights(wte, mat(r, p, e, 0.1), layers, around(r, e, 1), around(r, e, 0), wte), null);
    }

    private static Mat mat(SplittableRandom r, int rows, int cols, double scale) {
        float[] a = new float[rows * cols];
        for (int i = 0; i < a.length; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return Mat.of(a, rows, cols);
    }

    private static float[] around(SplittableRandom r, int n, double centre) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (centre + (r.nextDouble() * 2 - 1) * 0.1);
        return a;
    }

    static int[][] tokens(int b, int T, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] out = new int[b][T];
        for (int[] s : out) for (int t = 0; t < T; t++) s[t] = r.nextInt(vocab);
        return out;
    }
}
