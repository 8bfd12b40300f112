package nci.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import nci.gpt2.Activation;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.gpt2.Gpt2Weights;
import nci.gpt2.LayerWeights;
import nci.tensor.Mat;

/**
 * A GPT-2-small-shaped model with seeded random weights, built in memory (no download): every matrix
 * is a slice of ONE off-heap segment from a shared arena, at long float offsets, the way the loader
 * slices a mapped safetensors file. Uniform weights with GPT-2's init std (0.02) keep activations in a
 * realistic range; LayerNorm gains are 1 and shifts 0. The returned model owns (and closes) the arena.
 */
final class RandomGpt2 {
    private RandomGpt2() {}

    /** GPT-2 small: 12 layers, 12 heads, 768 wide, 1024 positions, 50257 tokens, MLP 3072, gelu_new. */
    static final Gpt2Config SMALL = new Gpt2Config(12, 12, 768, 1024, 50257, 3072, 1e-5f, Activation.GELU_NEW);

    /** Uniform [-a, a) has std a/√3: a = 0.02·√3 gives GPT-2's init std 0.02. */
    private static final float SCALE = 0.02f * (float) Math.sqrt(3.0);

    static Gpt2Model build(Gpt2Config cfg, long seed) {
        int e = cfg.nEmbd(), i = cfg.nInner(), v = cfg.vocabSize(), p = cfg.nPositions();
        long perLayer = (long) e * 3 * e + (long) e * e + (long) e * i + (long) i * e;
        long total = (long) v * e + (long) p * e + cfg.nLayer() * perLayer;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = arena.allocate(total * Float.BYTES, 64);
            SplittableRandom rnd = new SplittableRandom(seed);
            long[] cursor = {0};
            Mat wte = slice(seg, cursor, v, e, rnd, SCALE);
            Mat wpe = slice(seg, cursor, p, e, rnd, SCALE / 2);
            List<LayerWeights> layers = new ArrayList<>(cfg.nLayer());
            for (int l = 0; l < cfg.nLayer(); l++) {
                layers.add(new LayerWeights(
                        ones(e), new float[e],
                        slice(seg, cursor, e, 3 * e, rnd, SCALE), Seeded.array(3 * e, rnd, SCALE),
                        slice(seg, cursor, e, e, rnd, SCALE), Seeded.array(e, rnd, SCALE),
                        ones(e), new float[e],
                        slice(seg, cursor, e, i, rnd, SCALE), Seeded.array(i, rnd, SCALE),
                        slice(seg, cursor, i, e, rnd, SCALE), Seeded.array(e, rnd, SCALE)));
            }
            if (cursor[0] != total) throw new IllegalStateException("RandomGpt2 laid out " + cursor[0] + " floats, expected " + total);
            Gpt2Weights w = new Gpt2Weights(wte, wpe, layers, ones(e), new float[e], wte);   // tied LM head, as in GPT-2
            return new Gpt2Model(cfg, w, arena);
        } catch (RuntimeException | Error ex) {
            arena.close();
            throw ex;
        }
    }

    /** Seeded token ids in [0, vocab): batch sequences of T tokens. */
    static int[][] tokens(int batch, int T, int vocab, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] out = new int[batch][T];
        for (int[] seq : out) for (int t = 0; t < T; t++) seq[t] = rnd.nextInt(vocab);
        return out;
    }

    private static Mat slice(MemorySegment seg, long[] cursor, int rows, int cols, SplittableRandom rnd, float scale) {
        long n = (long) rows * cols;
        Seeded.fill(seg, cursor[0], n, rnd, scale);
        Mat m = new Mat(seg, cursor[0], rows, cols);
        cursor[0] += n;
        return m;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }
}
