package nci.patching;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import nci.gpt2.Activation;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.gpt2.Gpt2Weights;
import nci.gpt2.LayerWeights;
import nci.tensor.Mat;

/**
 * Test support: the fixtures folder, a minimal F32 safetensors reader for the fixture files (the
 * patching tests must not wait for the gpt2 loader), and seeded random in-memory models.
 */
final class Fixtures {
    private Fixtures() {}

    static final ObjectMapper JSON = new ObjectMapper();

    static Path dir() {
        String p = System.getProperty("nci.fixtures");
        if (p != null && Files.isDirectory(Path.of(p))) return Path.of(p);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent())
            if (Files.isDirectory(d.resolve("fixtures/cases"))) return d.resolve("fixtures");
        throw new IllegalStateException("fixtures folder not found (set -Dnci.fixtures)");
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    /** All F32 tensors of a safetensors file, by name (shapes dropped; tests know them). */
    static Map<String, float[]> tensors(Path file) {
        try {
            byte[] all = Files.readAllBytes(file);
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            long n = b.getLong(0);
            JsonNode header = JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
            Map<String, float[]> out = new HashMap<>();
            for (var it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode t = e.getValue();
                if (!t.get("dtype").asText().equals("F32")) continue;
                long start = t.get("data_offsets").get(0).asLong(), end = t.get("data_offsets").get(1).asLong();
                float[] v = new float[(int) ((end - start) / 4)];
                int base = (int) (8 + n + start);
                for (int i = 0; i < v.length; i++) v[i] = b.getFloat(base + 4 * i);
                out.put(e.getKey(), v);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    /** A fixture model (plain F32 layout) built in memory. */
    static Gpt2Model model(String name) {
        Path d = dir().resolve("models").resolve(name);
        JsonNode c = json(d.resolve("config.json"));
        int e = c.get("n_embd").asInt();
        int inner = c.hasNonNull("n_inner") ? c.get("n_inner").asInt() : 4 * e;
        Gpt2Config config = new Gpt2Config(c.get("n_layer").asInt(), c.get("n_head").asInt(), e,
                c.get("n_positions").asInt(), c.get("vocab_size").asInt(), inner,
                (float) c.get("layer_norm_epsilon").asDouble(), Activation.fromConfig(c.get("activation_function").asText()));
        Map<String, float[]> t = tensors(d.resolve("model.safetensors"));
        int v = config.vocabSize(), p = config.nPositions();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.nLayer(); l++) {
            String h = "h." + l + ".";
            layers.add(new LayerWeights(t.get(h + "ln_1.weight"), t.get(h + "ln_1.bias"),
                    Mat.of(t.get(h + "attn.c_attn.weight"), e, 3 * e), t.get(h + "attn.c_attn.bias"),
                    Mat.of(t.get(h + "attn.c_proj.weight"), e, e), t.get(h + "attn.c_proj.bias"),
                    t.get(h + "ln_2.weight"), t.get(h + "ln_2.bias"),
                    Mat.of(t.get(h + "mlp.c_fc.weight"), e, inner), t.get(h + "mlp.c_fc.bias"),
                    Mat.of(t.get(h + "mlp.c_proj.weight"), inner, e), t.get(h + "mlp.c_proj.bias")));
        }
        Mat wte = Mat.of(t.get("wte.weight"), v, e);
        return new Gpt2Model(config, new Gpt2Weights(wte, Mat.of(t.get("wpe.weight"), p, e), layers,
                t.get("ln_f.weight"), t.get("ln_f.bias"), wte), null);
    }

    /** A seeded random model with non-trivial LayerNorm and biases (small vocabulary). */
    static Gpt2Model random(long seed, int nLayer, int nHead, int e, int vocab, Activation act) {
        SplittableRandom r = new SplittableRandom(seed);
        int inner = 4 * e, p = 32;
        Gpt2Config config = new Gpt2Config(nLayer, nHead, e, p, vocab, inner, 1e-5f, act);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < nLayer; l++) {
            layers.add(new LayerWeights(ln(r, e, 1), ln(r, e, 0),
                    Mat.of(gauss(r, e * 3 * e, 1 / Math.sqrt(e)), e, 3 * e), gauss(r, 3 * e, 0.05),
                    Mat.of(gauss(r, e * e, 1 / Math.sqrt(e)), e, e), gauss(r, e, 0.05),
                    ln(r, e, 1), ln(r, e, 0),
                    Mat.of(gauss(r, e * inner, 1 / Math.sqrt(e)), e, inner), gauss(r, inner, 0.05),
                    Mat.of(gauss(r, inner * e, 1 / Math.sqrt(inner)), inner, e), gauss(r, e, 0.05)));
        }
        Mat wte = Mat.of(gauss(r, vocab * e, 0.5), vocab, e);
        return new Gpt2Model(config, new Gpt2Weights(wte, Mat.of(gauss(r, p * e, 0.5), p, e), layers,
                ln(r, e, 1), ln(r, e, 0), wte), null);
    }

    private static float[] ln(SplittableRandom r, int n, float base) {
        float[] g = gauss(r, n, 0.1);
        for (int i = 0; i < n; i++) g[i] += base;
        return g;
    }

    private static float[] gauss(SplittableRandom r, int n, double sd) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble(), u2 = r.nextDouble();
            out[i] = (float) (sd * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return out;
    }

    static List<int[]> inputs(JsonNode inputs) {
        List<int[]> out = new ArrayList<>();
        for (JsonNode in : inputs) {
            JsonNode ids = in.get("input_ids");
            int[] a = new int[ids.size()];
            for (int i = 0; i < a.length; i++) a[i] = ids.get(i).asInt();
            out.add(a);
        }
        return out;
    }

    /** Asserts |got - ref| <= atol + rtol·|ref| everywhere; the message names the tensor, max abs error and first differing values. */
    static void assertClose(String name, float[] ref, float[] got, double atol, double rtol) {
        if (ref.length != got.length)
            throw new AssertionError(name + ": length " + got.length + ", expected " + ref.length);
        double maxAbs = 0;
        int first = -1;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs((double) got[i] - ref[i]);
            maxAbs = Math.max(maxAbs, d);
            if (first < 0 && !(d <= atol + rtol * Math.abs(ref[i]))) first = i;
        }
        if (first >= 0)
            throw new AssertionError(name + ": max abs error " + maxAbs + "; first difference at " + first
                    + ": got " + got[first] + ", expected " + ref[first]);
    }

    /** Asserts bit-identity, naming the tensor and the first differing value. */
    static void assertBitwise(String name, float[] ref, float[] got) {
        if (ref.length != got.length)
            throw new AssertionError(name + ": length " + got.length + ", expected " + ref.length);
        double maxAbs = 0;
        int first = -1;
        for (int i = 0; i < ref.length; i++) {
            if (Float.floatToRawIntBits(ref[i]) != Float.floatToRawIntBits(got[i])) {
                if (first < 0) first = i;
                maxAbs = Math.max(maxAbs, Math.abs((double) got[i] - ref[i]));
            }
        }
        if (first >= 0)
            throw new AssertionError(name + ": not bit-identical, max abs error " + maxAbs + "; first difference at "
                    + first + ": got " + got[first] + ", expected " + ref[first]);
    }
}
