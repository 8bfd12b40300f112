package nci.patching;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import nci.gpt2.Activation;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Loader;
import nci.gpt2.Gpt2Model;
import nci.gpt2.Gpt2Weights;
import nci.gpt2.LayerWeights;
import nci.gpt2.io.SafeTensors;
import nci.tensor.Mat;

/**
 * Test support: the fixtures folder, fixture models and tensors, and seeded random in-memory models.
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

    /** Every F32 tensor of a safetensors file (read with the gpt2 module's reader), by name. */
    static Map<String, float[]> tensors(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            Map<String, float[]> out = new HashMap<>();
            for (String name : st.names()) out.put(name, st.floats(name));
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    /** A fixture model, through {@link Gpt2Loader} (kept open for the test JVM's lifetime). */
    static Gpt2Model model(String name) {
        try {
            return Gpt2Loader.load(dir().resolve("models").resolve(name));
        } catch (IOException e) {
            throw new IllegalStateException("cannot load fixture model " + name, e);
        }
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
