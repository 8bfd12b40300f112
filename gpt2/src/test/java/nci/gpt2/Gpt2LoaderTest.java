package nci.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import nci.gpt2.io.ModelFileException;
import nci.gpt2.io.SafeTensors;
import nci.gpt2.io.SafeTensorsException;
import nci.gpt2.io.SafeTensorsWriter;
import nci.gpt2.io.ShardedSafeTensors;
import nci.gpt2.io.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2LoaderTest {

    @TempDir
    Path tmp;

    private static final int[] SPAIN = {464, 3139, 286, 8602, 318};          // "The capital of Spain is"

    /** Last hidden state and last-position logits of SPAIN, for comparing two loads of the same weights. */
    private static float[][] run(Gpt2Model m) {
        Gpt2Model.Forward f = m.forward(new int[][] {SPAIN}, false, false);
        return new float[][] {f.lastHidden(), m.logits(f.lastHidden(), (SPAIN.length - 1) * m.config().nEmbd(), 1)};
    }

    private static float[][] tinyAOutputs() throws Exception {
        try (Gpt2Model m = Gpt2Loader.load(Fixtures.model("tiny-a"))) {
            return run(m);
        }
    }

    /** Copies tiny-a's tensors, filtered and optionally edited, into a new model folder with tiny-a's config. */
    private Path rewrite(String folder, Predicate<String> keep, Map<String, float[][]> extra) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(folder));
        Files.copy(Fixtures.model("tiny-a").resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(Fixtures.model("tiny-a").resolve("model.safetensors"))) {
            for (String n : st.names()) if (keep.test(n)) w.putF32(n, st.info(n).shape(), st.floats(n));
        }
        extra.forEach((n, shapeAndValues) -> {
            long[] shape = new long[shapeAndValues[0].length];
            for (int i = 0; i < shape.length; i++) shape[i] = (long) shapeAndValues[0][i];
            w.putF32(n, shape, shapeAndValues[1]);
        });
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void tiedAndUntiedHeads() throws Exception {
        try (Gpt2Model plain = Gpt2Loader.load(Fixtures.model("tiny-a"));
             Gpt2Model prefixed = Gpt2Loader.load(Fixtures.model("tiny-a-prefixed"))) {
            assertSame(plain.weights().wte(), plain.weights().lmHead(), "no lm_head.weight: tied to wte");
            assertNotSame(prefixed.weights().wte(), prefixed.weights().lmHead(), "lm_head.weight present: used");
            assertArrayEquals(prefixed.weights().wte().toArray(), prefixed.weights().lmHead().toArray());
            assertArrayEquals(run(plain)[0], run(prefixed)[0]);
            assertTrue(plain.weights().layers().get(0).attnW().data().isMapped(), "F32 weights stay mapped");
        }
    }

    /**
     * The Conv1D layout, checked independently of Gpt2Model: the first block's attention output computed naively in
     * double from the raw file values read as [in, out] matches HuggingFace's attn_output.0, and the same computation
     * with c_proj read as [out, in] (nn.Linear) does not.
     */
    @Test
    void conv1dWeightsAreInOutLayout() throws Exception {
        Path dir = Fixtures.model("tiny-a");
        int E = 32, H = 4, d = 8, T = SPAIN.length;
        float[] ref, emb;
        try (SafeTensors r = SafeTensors.open(dir.resolve("reference.safetensors"))) {
            ref = r.floats("p0.attn_output.0");
            emb = r.floats("p0.hidden_states.0");
        }
        double[] good, transposed;
        try (SafeTensors w = SafeTensors.open(dir.resolve("model.safetensors"))) {
            float[] g = w.floats("h.0.ln_1.weight"), b = w.floats("h.0.ln_1.bias");
            float[] wa = w.floats("h.0.attn.c_attn.weight"), ba = w.floats("h.0.attn.c_attn.bias");
            float[] wp = w.floats("h.0.attn.c_proj.weight"), bp = w.floats("h.0.attn.c_proj.bias");
            double[][] qkv = new double[T][3 * E];
            for (int t = 0; t < T; t++) {
                double mean = 0, var = 0;
                for (int i = 0; i < E; i++) mean += emb[t * E + i] / E;
                for (int i = 0; i < E; i++) var += Math.pow(emb[t * E + i] - mean, 2) / E;
                double[] ln = new double[E];
                for (int i = 0; i < E; i++) ln[i] = (emb[t * E + i] - mean) / Math.sqrt(var + 1e-5) * g[i] + b[i];
                for (int j = 0; j < 3 * E; j++) {
                    double s = ba[j];
                    for (int i = 0; i < E; i++) s += ln[i] * wa[i * 3 * E + j];          // W[in=i][out=j]
                    qkv[t][j] = s;
                }
            }
            double[][] merged = new double[T][E];
            for (int h = 0; h < H; h++)
                for (int t = 0; t < T; t++) {
                    double[] p = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int i = 0; i < d; i++) dot += qkv[t][h * d + i] * qkv[s][E + h * d + i];
                        p[s] = dot / Math.sqrt(d);
                        max = Math.max(max, p[s]);
                    }
                    for (int s = 0; s <= t; s++) sum += p[s] = Math.exp(p[s] - max);
                    for (int s = 0; s <= t; s++)
                        for (int i = 0; i < d; i++) merged[t][h * d + i] += p[s] / sum * qkv[s][2 * E + h * d + i];
                }
            good = new double[T * E];
            transposed = new double[T * E];
            for (int t = 0; t < T; t++)
                for (int j = 0; j < E; j++) {
                    double s = bp[j], s2 = bp[j];
                    for (int i = 0; i < E; i++) {
                        s += merged[t][i] * wp[i * E + j];
                        s2 += merged[t][i] * wp[j * E + i];
                    }
                    good[t * E + j] = s;
                    transposed[t * E + j] = s2;
                }
        }
        float[] goodF = new float[T * E], transposedF = new float[T * E];
        for (int i = 0; i < goodF.length; i++) { goodF[i] = (float) good[i]; transposedF[i] = (float) transposed[i]; }
        TensorAssert.assertClose("naive [in,out] attn_output.0", ref, goodF);
        assertThrows(AssertionError.class, () -> TensorAssert.assertClose("naive [out,in] attn_output.0", ref, transposedF),
                "reading c_proj as [out, in] must not reproduce HF, or this test could not detect a transposed layout");
        // And the loaded model's matrices are the file's values in that same [in, out] order.
        try (Gpt2Model m = Gpt2Loader.load(dir); SafeTensors w = SafeTensors.open(dir.resolve("model.safetensors"))) {
            float[] wp = w.floats("h.0.attn.c_proj.weight");
            LayerWeights l0 = m.weights().layers().get(0);
            assertEquals(E, l0.attnProjW().rows());
            assertEquals(3 * E, l0.attnW().cols());
            assertEquals(4 * E, l0.fcW().cols());
            assertEquals(wp[3 * E + 17], l0.attnProjW().get(3, 17));
            TensorAssert.assertClose("Gpt2Model attn_output.0", ref, m.attention(0, m.embed(SPAIN), T, null));
        }
    }

    @Test
    void shardedCheckpointGivesTheSameOutput() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(Fixtures.model("tiny-a").resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsWriter s1 = new SafeTensorsWriter(), s2 = new SafeTensorsWriter();
        StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
        try (SafeTensors st = SafeTensors.open(Fixtures.model("tiny-a").resolve("model.safetensors"))) {
            boolean firstEntry = true;
            for (String n : st.names()) {
                boolean first = n.startsWith("wte") || n.startsWith("wpe") || n.startsWith("h.0.");
                (first ? s1 : s2).putF32(n, st.info(n).shape(), st.floats(n));
                index.append(firstEntry ? "" : ", ").append('"').append(n).append("\": \"model-0000")
                        .append(first ? 1 : 2).append("-of-00002.safetensors\"");
                firstEntry = false;
            }
        }
        index.append("}}");
        s1.write(dir.resolve("model-00001-of-00002.safetensors"));
        s2.write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), index);
        try (ShardedSafeTensors sh = ShardedSafeTensors.open(dir.resolve("model.safetensors.index.json"))) {
            assertEquals(2, sh.shards().size());
            assertEquals(dir.resolve("model-00002-of-00002.safetensors").toAbsolutePath().normalize(),
                    sh.fileOf("ln_f.weight").toAbsolutePath().normalize());
        }
        float[][] expected = tinyAOutputs();
        try (Gpt2Model m = Gpt2Loader.load(dir)) {
            float[][] got = run(m);
            assertArrayEquals(expected[0], got[0], "sharded last hidden state must be bit-identical");
            assertArrayEquals(expected[1], got[1], "sharded logits must be bit-identical");
        }

        // A weight_map naming a tensor its shard lacks, a missing shard, and a shard outside the folder.
        String idx = Files.readString(dir.resolve("model.safetensors.index.json"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), idx.replace("\"ln_f.bias\": \"model-00002", "\"ln_f.bias\": \"model-00001"));
        SafeTensorsException e1 = assertThrows(SafeTensorsException.class, () -> Gpt2Loader.load(dir));
        assertEquals("ln_f.bias", e1.tensor());
        assertTrue(e1.getMessage().contains("model-00001-of-00002.safetensors"), e1.getMessage());
        Files.writeString(dir.resolve("model.safetensors.index.json"), idx.replace("\"ln_f.bias\": \"model-00002-of-00002", "\"ln_f.bias\": \"model-00003-of-00002"));
        ModelFileException e2 = assertThrows(ModelFileException.class, () -> Gpt2Loader.load(dir));
        assertTrue(e2.getMessage().contains("model-00003-of-00002.safetensors") && e2.getMessage().contains("does not exist"), e2.getMessage());
        Files.writeString(dir.resolve("model.safetensors.index.json"), idx.replace("\"ln_f.bias\": \"model-00002", "\"ln_f.bias\": \"../model-00002"));
        ModelFileException e3 = assertThrows(ModelFileException.class, () -> Gpt2Loader.load(dir));
        assertTrue(e3.getMessage().contains("not a plain file name"), e3.getMessage());
    }

    @Test
    void pytorchBinOnlyFolderIsRefusedWithAdvice() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("pt"));
        Files.copy(Fixtures.model("tiny-a").resolve("config.json"), dir.resolve("config.json"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {0x50, 0x4b, 3, 4});
        ModelFileException e = assertThrows(ModelFileException.class, () -> Gpt2Loader.load(dir));
        String msg = e.getMessage();
        assertTrue(msg.contains(dir.toString()), msg);
        assertTrue(msg.contains("pytorch_model.bin") && msg.contains("model.safetensors") && msg.contains("convert"), msg);
    }

    @Test
    void notAModelFolder() throws IOException {
        ModelFileException e = assertThrows(ModelFileException.class, () -> Gpt2Loader.load(tmp));
        assertTrue(e.getMessage().contains("no config.json"), e.getMessage());
        assertThrows(ModelFileException.class, () -> Gpt2Loader.load(tmp.resolve("absent")));
        Files.copy(Fixtures.model("tiny-a").resolve("config.json"), tmp.resolve("config.json"));
        ModelFileException e2 = assertThrows(ModelFileException.class, () -> Gpt2Loader.load(tmp));
        assertTrue(e2.getMessage().contains("no model.safetensors"), e2.getMessage());
    }

    @Test
    void missingTensorIsNamedWithItsShape() throws IOException {
        Path dir = rewrite("missing", n -> !n.equals("h.1.mlp.c_fc.bias"), Map.of());
        ModelFileException e = assertThrows(ModelFileException.class, () -> Gpt2Loader.load(dir));
        assertTrue(e.getMessage().contains("'h.1.mlp.c_fc.bias'") && e.getMessage().contains("[128]"), e.getMessage());
    }

    @Test
    void transposedMatrixIsReportedAsSuch() throws IOException {
        float[] t;
        try (SafeTensors st = SafeTensors.open(Fixtures.model("tiny-a").resolve("model.safetensors"))) {
            t = st.floats("h.0.mlp.c_fc.weight");
        }
        Path dir = rewrite("transposed", n -> !n.equals("h.0.mlp.c_fc.weight"),
                Map.of("h.0.mlp.c_fc.weight", new float[][] {{128, 32}, t}));
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> Gpt2Loader.load(dir));
        assertEquals("h.0.mlp.c_fc.weight", e.tensor());
        assertTrue(e.getMessage().contains("expected shape [32, 128]") && e.getMessage().contains("got [128, 32]")
                && e.getMessage().contains("transposed"), e.getMessage());
    }

    @Test
    void unknownTensorsAreAnError() throws IOException {
        Path dir = rewrite("extra", n -> true, Map.of("h.2.ln_1.weight", new float[][] {{32}, new float[32]}));
        ModelFileException e = assertThrows(ModelFileException.class, () -> Gpt2Loader.load(dir));
        assertTrue(e.getMessage().contains("h.2.ln_1.weight") && e.getMessage().contains("n_layer=2"), e.getMessage());
    }

    /**
     * tie_word_embeddings false: HuggingFace starts a missing lm_head from random values, so tying it to wte would give
     * other logits. With its own head (tiny-a-prefixed carries one) the model loads and uses it.
     */
    @Test
    void untiedConfigNeedsItsOwnHead() throws Exception {
        Path dir = rewrite("untied", n -> true, Map.of());
        String config = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replaceFirst("\\{", "{\"tie_word_embeddings\": false, "));
        ModelFileException e = assertThrows(ModelFileException.class, () -> Gpt2Loader.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("model.safetensors").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("no 'lm_head.weight'") && e.getMessage().contains("'tie_word_embeddings' to false"),
                e.getMessage());

        Path own = tmp.resolve("untied-own");
        Files.createDirectories(own);
        Path prefixed = Fixtures.model("tiny-a-prefixed");
        Files.copy(prefixed.resolve("model.safetensors"), own.resolve("model.safetensors"));
        Files.writeString(own.resolve("config.json"),
                Files.readString(prefixed.resolve("config.json")).replaceFirst("\\{", "{\"tie_word_embeddings\": false, "));
        try (Gpt2Model m = Gpt2Loader.load(own); Gpt2Model tied = Gpt2Loader.load(prefixed)) {
            assertNotSame(m.weights().wte(), m.weights().lmHead(), "its own head is used");
            assertArrayEquals(run(tied)[1], run(m)[1]);
        }
    }

    /**
     * A NaN or an infinity in the weights (the forward then printed NaN probabilities and NaN effects, exit 0) is an
     * error naming the file, the tensor, the element and its value: in a mapped F32 matrix, in a vector copied to the
     * heap, at the last element of wte; and in F16 and BF16 tensors, converted at load.
     */
    @Test
    void nonFiniteWeightsAreNamed() throws Exception {
        float[] attn, lnf, wte;
        try (SafeTensors st = SafeTensors.open(Fixtures.model("tiny-a").resolve("model.safetensors"))) {
            attn = st.floats("h.1.attn.c_attn.weight");
            lnf = st.floats("ln_f.bias");
            wte = st.floats("wte.weight");
        }
        attn[5 * 96 + 17] = Float.NaN;
        Path nan = rewrite("nan", n -> !n.equals("h.1.attn.c_attn.weight"), Map.of("h.1.attn.c_attn.weight", new float[][] {{32, 96}, attn}));
        assertNonFinite(nan, "h.1.attn.c_attn.weight", "element 497 [5, 17] of [32, 96] is NaN: weights must be finite");

        lnf[3] = Float.NEGATIVE_INFINITY;
        Path inf = rewrite("inf", n -> !n.equals("ln_f.bias"), Map.of("ln_f.bias", new float[][] {{32}, lnf}));
        assertNonFinite(inf, "ln_f.bias", "element 3 [3] of [32] is -Infinity: weights must be finite (an infinity here");

        wte[wte.length - 1] = Float.POSITIVE_INFINITY;
        Path last = rewrite("last", n -> !n.equals("wte.weight"), Map.of("wte.weight", new float[][] {{50257, 32}, wte}));
        assertNonFinite(last, "wte.weight", "element " + (wte.length - 1) + " [50256, 31] of [50257, 32] is Infinity");

        // F16 +inf (0x7C00) and BF16 NaN (0x7FC0), patched into copies of the converted fixtures
        assertNonFinite(patched("tiny-a-f16", "h.0.mlp.c_fc.weight", 130, (short) 0x7C00), "h.0.mlp.c_fc.weight",
                "element 130 [1, 2] of [32, 128] is Infinity");
        assertNonFinite(patched("tiny-a-bf16", "h.1.ln_2.weight", 31, (short) 0x7FC0), "h.1.ln_2.weight",
                "element 31 [31] of [32] is NaN");
        try (Gpt2Model m = Gpt2Loader.load(patched("tiny-a-f16", "h.0.mlp.c_fc.weight", 130, (short) 0x7BFF))) {
            assertEquals(65504f, m.weights().layers().get(0).fcW().get(1, 2), "F16's largest finite value loads");
        }
    }

    /**
     * {@code load(dir, packedCopy)} checks the layer matrices' values only when packedCopy attached no packed copy:
     * the forward then reads them from the copy, whose values were checked when it was written. Shown with a NaN
     * written into a layer matrix after the copy, the file's time set back so that its stamp still matches (so the
     * copy is accepted, and the NaN is never read: the forward gives the clean logits); the other tensors are checked
     * either way.
     */
    @Test
    void aLoadThatAttachesAPackedCopyLeavesOutOnlyTheLayerMatricesCheck() throws Exception {
        Path dir = rewrite("copied", n -> true, Map.of()), cache = tmp.resolve("packed");
        Path weights = dir.resolve("model.safetensors");
        float[] clean;
        try (Gpt2Model m = Gpt2Loader.load(dir)) {
            assertEquals(PackedWeights.Outcome.WRITTEN, PackedWeights.cached(m, dir, cache, false));
            clean = run(m)[1];
        }
        java.util.function.Consumer<Gpt2Model> attach = m -> {
            try {
                String stamp = PackedWeights.stamp(dir);
                PackedWeights.attachIfValid(m, stamp, cache.resolve(PackedWeights.fileName(stamp)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        setInPlace(weights, "h.1.mlp.c_fc.weight", 130, Float.NaN);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> Gpt2Loader.load(dir));
        assertEquals("h.1.mlp.c_fc.weight", e.tensor());
        e = assertThrows(SafeTensorsException.class, () -> Gpt2Loader.load(dir, m -> {}));
        assertEquals("h.1.mlp.c_fc.weight", e.tensor(), "no copy attached: the layer matrices are checked after the hook");
        try (Gpt2Model m = Gpt2Loader.load(dir, attach)) {
            assertTrue(m.packedWeights() != null, "the copy's stamp matches");
            assertArrayEquals(clean, run(m)[1], "the forward reads the copy's values");
        }
        setInPlace(weights, "ln_f.bias", 3, Float.POSITIVE_INFINITY);
        e = assertThrows(SafeTensorsException.class, () -> Gpt2Loader.load(dir, attach));
        assertEquals("ln_f.bias", e.tensor(), "tensors outside the copy are checked as always");
    }

    /** Sets element i of an F32 tensor in a weight file in place, keeping the file's modification time. */
    private static void setInPlace(Path file, String tensor, long i, float value) throws IOException {
        java.nio.file.attribute.FileTime time = Files.getLastModifiedTime(file);
        long at;
        try (SafeTensors st = SafeTensors.open(file)) {
            at = st.absoluteOffset(tensor) + 4 * i;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, value), at);
        }
        Files.setLastModifiedTime(file, time);
    }

    private static void assertNonFinite(Path dir, String tensor, String detail) {
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> Gpt2Loader.load(dir));
        assertEquals(tensor, e.tensor());
        assertTrue(e.getMessage().startsWith(dir.resolve("model.safetensors") + ": tensor '" + tensor + "': ")
                && e.getMessage().contains(detail), e.getMessage());
    }

    /** A copy of a fixture model with element i of a 16-bit tensor set to bits. */
    private Path patched(String fixture, String tensor, long i, short bits) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(fixture + "-" + tensor + "-" + i + "-" + bits));
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(Fixtures.model(fixture).resolve(f), dir.resolve(f));
        long at;
        try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
            assertEquals(2, st.info(tensor).dtype().byteSize(), tensor);
            at = st.absoluteOffset(tensor) + 2 * i;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir.resolve("model.safetensors"),
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(2).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(0, bits), at);
        }
        return dir;
    }

    @Test
    void configThatDisagreesWithTheWeights() throws IOException {
        Path dir = rewrite("wrongcfg", n -> true, Map.of());
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace("\"n_positions\": 64", "\"n_positions\": 128"));
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> Gpt2Loader.load(dir));
        assertEquals("wpe.weight", e.tensor());
        assertTrue(e.getMessage().contains("expected shape [128, 32]") && e.getMessage().contains("got [64, 32]"), e.getMessage());
    }

    /** The hub cache: models--gpt2/{blobs/<sha>, snapshots/<rev>/<file> → ../../blobs/<sha>, refs/main = <rev>}. */
    @Test
    void resolvesHubCacheSnapshotAndRepoFolders() throws Exception {
        Path repo = tmp.resolve("hub").resolve("models--nci--tiny-a");
        String rev = "0123456789abcdef0123456789abcdef01234567";
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(rev));
        Files.createDirectories(repo.resolve("blobs"));
        Files.createDirectories(repo.resolve("refs"));
        int i = 0;
        for (String f : List.of("config.json", "model.safetensors")) {
            String blob = "blob" + (i++) + "0000deadbeef";
            Files.copy(Fixtures.model("tiny-a").resolve(f), repo.resolve("blobs").resolve(blob));
            Files.createSymbolicLink(snap.resolve(f), Path.of("..", "..", "blobs", blob));
        }
        assertTrue(Files.isSymbolicLink(snap.resolve("model.safetensors")));

        // Without refs/main, the single snapshot is used.
        assertEquals(snap, Gpt2Loader.resolveFolder(repo));
        Files.writeString(repo.resolve("refs").resolve("main"), rev + "\n");
        assertEquals(snap, Gpt2Loader.resolveFolder(repo));
        assertEquals(snap, Gpt2Loader.resolveFolder(snap));
        float[][] expected = tinyAOutputs();
        try (Gpt2Model fromRepo = Gpt2Loader.load(repo); Gpt2Model fromSnap = Gpt2Loader.load(snap)) {
            assertArrayEquals(expected[0], run(fromRepo)[0]);
            assertArrayEquals(expected[1], run(fromSnap)[1]);
        }

        // refs/main naming a revision that is not there.
        Files.writeString(repo.resolve("refs").resolve("main"), "ffffffffffffffffffffffffffffffffffffffff");
        ModelFileException e = assertThrows(ModelFileException.class, () -> Gpt2Loader.resolveFolder(repo));
        assertTrue(e.getMessage().contains("ffffffffffffffffffffffffffffffffffffffff") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void variantsLoadWithTheirDtypes() throws Exception {
        try (Gpt2Model f16 = Gpt2Loader.load(Fixtures.model("tiny-a-f16"));
             Gpt2Model buffers = Gpt2Loader.load(Fixtures.model("tiny-a-buffers"))) {
            assertTrue(!f16.weights().wte().data().isMapped(), "F16 weights are converted to heap float32");
            assertEquals(2, buffers.weights().layers().size(), "attn.bias / masked_bias buffers ignored");
            assertArrayEquals(tinyAOutputs()[0], run(buffers)[0]);
        }
    }

    /**
     * The repository's hand-built induction model (models/induction-2l-compiled): on a sequence repeated once, the
     * induction head predicts each next token of the second copy (the model's README reports 100% top-1 on such data).
     */
    @Test
    void inductionModelCopiesRepeatedSequence() throws Exception {
        Path dir = Fixtures.repoRoot().resolve("models").resolve("induction-2l-compiled");
        JsonNode cfg = Fixtures.json(dir.resolve("config.json"));
        assertEquals(128, cfg.get("n_embd").intValue());
        int[] seq = {2215, 5335, 290, 1757, 1816, 284, 262, 3650, 11, 2921, 257, 4144};   // distinct tokens
        int n = seq.length;
        int[] ids = new int[2 * n];
        System.arraycopy(seq, 0, ids, 0, n);
        System.arraycopy(seq, 0, ids, n, n);
        try (Gpt2Model m = Gpt2Loader.load(dir)) {
            Gpt2Model.Forward f = m.forward(new int[][] {ids}, false, true);
            int v = m.config().vocabSize();
            for (int t = n; t < 2 * n - 1; t++) {
                int best = 0;
                for (int j = 1; j < v; j++) if (f.logits()[t * v + j] > f.logits()[t * v + best]) best = j;
                assertEquals(ids[t + 1], best, "position " + t + " (token " + ids[t] + ") should predict " + ids[t + 1]);
            }
        }
    }
}
