package nci.gpt2;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import nci.gpt2.io.ModelFileException;
import nci.gpt2.io.SafeTensorsException;
import nci.gpt2.io.TensorInfo;
import nci.gpt2.io.WeightSource;
import nci.tensor.Mat;

/**
 * Loads a GPT-2 from a HuggingFace-layout folder: {@code config.json} plus {@code model.safetensors} or a sharded
 * {@code model.safetensors.index.json}.
 *
 * <p>Tensor names: GPT2Model keys ({@code wte.weight}, {@code h.0.attn.c_attn.weight}, …, as in the hub's
 * {@code openai-community/gpt2}) or GPT2LMHeadModel keys (the same with {@code transformer.} in front, plus
 * {@code lm_head.weight}). {@code lm_head.weight} [V, E] is used when present; otherwise the head is tied to
 * {@code wte}, unless config.json sets {@code tie_word_embeddings} to false: then a missing head is an error. The causal-mask buffers older checkpoints carry ({@code h.N.attn.bias}, {@code h.N.attn.masked_bias})
 * are ignored. Any other tensor the model does not use is an <b>error</b> (it means another architecture, a
 * larger n_layer than config.json says, or a mislabelled file), listing the names.
 *
 * <p>Layout: GPT-2's Conv1D stores its weight as [in, out] and computes {@code y = x · W + b}; that is exactly the
 * layout {@link LayerWeights} and {@code Gemm.matmul} use, so the matrices are taken as stored, never transposed:
 * c_attn [E, 3E], attn c_proj [E, E], c_fc [E, I], mlp c_proj [I, E]. wte [V, E], wpe [P, E]. A matrix stored
 * transposed (nn.Linear's [out, in]) is reported as such. F32 matrices are zero-copy views of the mapped file;
 * F16/BF16 ones are converted to float32 exactly; LayerNorm parameters and biases are copied to heap float[].
 * The returned model owns the mapped files and unmaps them on {@link Gpt2Model#close()}.
 *
 * <p>Values: a tensor holding a NaN or an infinity is an <b>error</b> naming the tensor and the first such element
 * (the forward would carry it into every output: NaN probabilities, NaN effects). That reads every weight once, a
 * pass over the mapped F32 tensors and the converted F16/BF16 ones ({@link NonFinite}); a mapped tensor's pages are
 * then released from the process ({@link MemorySegment#unload}, which leaves them in the page cache), so the pass does
 * not raise the memory of a forward that reads the layer matrices from a packed copy instead ({@link PackedWeights}).
 * {@link #load(Path, Consumer)} leaves the layer matrices out of that pass when it can attach such a copy: see there.
 */
public final class Gpt2Loader {
    private Gpt2Loader() {}

    private static final Pattern IGNORED = Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");

    /** Loads the model in {@code dir} (anything {@link #resolveFolder} accepts). */
    public static Gpt2Model load(Path dir) throws IOException {
        return load(dir, null);
    }

    /**
     * {@link #load(Path)}, giving the model to {@code packedCopy} (if not null) before its layer matrices are checked
     * for NaN and infinities. {@code packedCopy} may attach a packed copy of them ({@link Gpt2Model#usePackedWeights};
     * the commands' cache does). When one is attached, the layer matrices' check is left out: {@link PackedWeights#map}
     * accepted the copy as these weights' (their files' stamp says they are unchanged since the copy was written from
     * them; a value per matrix agrees; every panel's checksum holds) and {@link PackedWeights#write} refuses non-finite
     * values, so the check would find nothing. It would read the weight file's layer pages (GPT-2 small: 324 MiB, about
     * 0.3 s of a command), most of which a forward over the copy never reads (its single-row products read the
     * weight file itself). Every other tensor is checked as {@link #load(Path)} checks it. When none is attached, the
     * layer matrices are checked after {@code packedCopy} returns.
     */
    public static Gpt2Model load(Path dir, Consumer<Gpt2Model> packedCopy) throws IOException {
        Path folder = resolveFolder(dir);
        Path configFile = folder.resolve("config.json");
        ConfigJson.Parsed parsed = ConfigJson.readAll(configFile);
        WeightSource src = WeightSource.open(folder);
        Gpt2Model m;
        Reader r;
        try {
            r = new Reader(src, prefix(src), configFile, packedCopy != null);
            m = new Gpt2Model(parsed.config(), read(r, parsed.config(), parsed.tieWordEmbeddings()), src);
        } catch (IOException | RuntimeException | Error e) {
            src.close();
            throw e;
        }
        try {
            if (packedCopy != null) {
                packedCopy.accept(m);
                if (m.packedWeights() == null) r.checkDeferred();
            }
            return m;
        } catch (IOException | RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    /**
     * Finds the model folder (the one holding config.json) for:
     * <ul>
     *   <li>a model folder itself;</li>
     *   <li>a file in it (e.g. {@code .../model.safetensors}): its folder;</li>
     *   <li>a HuggingFace hub cache snapshot {@code .../models--gpt2/snapshots/<rev>/}, whose files are symlinks into
     *       {@code ../../blobs/} (followed as usual by the file system);</li>
     *   <li>the cache repo folder {@code .../models--gpt2/}: {@code refs/main} names the snapshot; without it, the one
     *       snapshot if there is exactly one.</li>
     * </ul>
     */
    public static Path resolveFolder(Path path) throws IOException {
        if (!Files.exists(path)) throw new ModelFileException(path, "no such file or folder");
        if (Files.isRegularFile(path)) path = path.toAbsolutePath().getParent();
        if (Files.isRegularFile(path.resolve("config.json"))) return path;
        Path snapshots = path.resolve("snapshots");
        if (Files.isDirectory(snapshots)) {
            Path ref = path.resolve("refs").resolve("main");
            if (Files.isRegularFile(ref)) {
                String rev = Files.readString(ref, StandardCharsets.UTF_8).strip();
                if (rev.isEmpty() || rev.contains("/") || rev.contains("\\") || rev.startsWith("."))
                    throw new ModelFileException(ref, "does not hold a revision hash (got '" + rev + "')");
                Path snap = snapshots.resolve(rev);
                if (!Files.isDirectory(snap))
                    throw new ModelFileException(ref, "names revision " + rev + " but " + snap + " does not exist");
                if (!Files.isRegularFile(snap.resolve("config.json")))
                    throw new ModelFileException(snap, "snapshot has no config.json (incomplete download?)");
                return snap;
            }
            List<Path> snaps = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots, Files::isDirectory)) {
                ds.forEach(snaps::add);
            }
            if (snaps.size() == 1 && Files.isRegularFile(snaps.get(0).resolve("config.json"))) return snaps.get(0);
            throw new ModelFileException(path, "hub cache folder without refs/main and with " + snaps.size()
                    + " snapshots " + snaps.stream().map(p -> p.getFileName().toString()).sorted().toList()
                    + "; pass the snapshot folder itself");
        }
        throw new ModelFileException(path, "no config.json: expected a HuggingFace model folder (config.json +"
                + " model.safetensors), a hub cache snapshot folder (models--*/snapshots/<rev>) or a hub cache repo"
                + " folder (models--*, with refs/main)");
    }

    /** Builds the weights of {@code config} from {@code src}; configFile is named in errors. Does not close src. */
    public static Gpt2Weights weights(Gpt2Config config, WeightSource src, Path configFile) throws IOException {
        return weights(config, src, configFile, true);
    }

    /**
     * {@link #weights(Gpt2Config, WeightSource, Path)}; with {@code tieWordEmbeddings} false (config.json's
     * {@code tie_word_embeddings}), {@code src} must hold {@code lm_head.weight}.
     */
    public static Gpt2Weights weights(Gpt2Config config, WeightSource src, Path configFile, boolean tieWordEmbeddings)
            throws IOException {
        return read(new Reader(src, prefix(src), configFile, false), config, tieWordEmbeddings);
    }

    /** The tensor names' prefix: "" for GPT2Model keys, "transformer." for GPT2LMHeadModel keys. */
    private static String prefix(WeightSource src) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new ModelFileException(src.origin(), "big-endian platforms are not supported (weights are mapped as little-endian float32)");
        boolean plain = src.has("wte.weight"), prefixed = src.has("transformer.wte.weight");
        if (plain && prefixed)
            throw new ModelFileException(src.origin(), "holds both 'wte.weight' and 'transformer.wte.weight'; cannot tell which naming to use");
        if (prefixed) return "transformer.";
        if (plain) return "";
        throw new ModelFileException(src.origin(), "no 'wte.weight' or 'transformer.wte.weight': not a GPT-2 checkpoint"
                + " (first names: " + src.names().stream().limit(5).toList() + ")");
    }

    /** The weights of {@code config} through {@code r} (see {@link #weights(Gpt2Config, WeightSource, Path, boolean)}). */
    private static Gpt2Weights read(Reader r, Gpt2Config config, boolean tieWordEmbeddings) throws IOException {
        WeightSource src = r.src;
        Path configFile = r.configFile;
        int e = config.nEmbd(), v = config.vocabSize(), p = config.nPositions(), in = config.nInner();
        Mat wte = r.mat("wte.weight", v, e);
        Mat wpe = r.mat("wpe.weight", p, e);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.nLayer(); l++) {
            String h = "h." + l + ".";
            layers.add(new LayerWeights(
                    r.vec(h + "ln_1.weight", e), r.vec(h + "ln_1.bias", e),
                    r.layerMat(h + "attn.c_attn.weight", e, 3 * e), r.vec(h + "attn.c_attn.bias", 3 * e),
                    r.layerMat(h + "attn.c_proj.weight", e, e), r.vec(h + "attn.c_proj.bias", e),
                    r.vec(h + "ln_2.weight", e), r.vec(h + "ln_2.bias", e),
                    r.layerMat(h + "mlp.c_fc.weight", e, in), r.vec(h + "mlp.c_fc.bias", in),
                    r.layerMat(h + "mlp.c_proj.weight", in, e), r.vec(h + "mlp.c_proj.bias", e)));
        }
        float[] lnfG = r.vec("ln_f.weight", e), lnfB = r.vec("ln_f.bias", e);
        Mat lmHead = wte;                                   // tied unless the checkpoint has its own head
        if (src.has("lm_head.weight")) lmHead = r.matExact("lm_head.weight", v, e);
        else if (!tieWordEmbeddings)
            throw new ModelFileException(src.origin(), "has no 'lm_head.weight', but " + configFile.getFileName()
                    + " sets 'tie_word_embeddings' to false: the LM head's weights are missing (a head tied to wte"
                    + " would give other logits than HuggingFace, which starts a missing head from random values)");

        Set<String> unknown = new TreeSet<>();
        for (String name : src.names())
            if (!r.used.contains(name) && !IGNORED.matcher(name).matches()) unknown.add(name);
        if (!unknown.isEmpty())
            throw new ModelFileException(src.origin(), unknown.size() + " tensor(s) not part of a GPT-2 LM with "
                    + configFile.getFileName() + "'s n_layer=" + config.nLayer() + ": "
                    + unknown.stream().limit(10).toList() + (unknown.size() > 10 ? " …" : ""));
        return new Gpt2Weights(wte, wpe, layers, lnfG, lnfB, lmHead);
    }

    /** Reads tensors under a name prefix, checking shapes, and records what was used. */
    private static final class Reader {
        final WeightSource src;
        final String prefix;
        final Path configFile;
        final Set<String> used = new HashSet<>();
        /** Whether {@link #layerMat} leaves its check for {@link #checkDeferred}. */
        final boolean deferLayers;
        /** The layer matrices read but not yet checked, by name. */
        final Map<String, Mat> deferred = new LinkedHashMap<>();

        Reader(WeightSource src, String prefix, Path configFile, boolean deferLayers) {
            this.src = src;
            this.prefix = prefix;
            this.configFile = configFile;
            this.deferLayers = deferLayers;
        }

        Mat mat(String key, int rows, int cols) throws IOException { return matExact(prefix + key, rows, cols); }

        Mat matExact(String name, int rows, int cols) throws IOException {
            Mat m = unchecked(name, rows, cols);
            finite(name, m);
            return m;
        }

        /** A layer matrix: {@link #mat}, its values checked now or, when deferring, by {@link #checkDeferred}. */
        Mat layerMat(String key, int rows, int cols) throws IOException {
            if (!deferLayers) return mat(key, rows, cols);
            String name = prefix + key;
            Mat m = unchecked(name, rows, cols);
            deferred.put(name, m);
            return m;
        }

        /** Checks the layer matrices {@link #layerMat} deferred. */
        void checkDeferred() throws IOException {
            for (Map.Entry<String, Mat> d : deferred.entrySet()) finite(d.getKey(), d.getValue());
            deferred.clear();
        }

        private Mat unchecked(String name, int rows, int cols) throws IOException {
            check(name, rows, cols);
            return src.mat(name);
        }

        private void finite(String name, Mat m) throws IOException {
            finite(name, m.data(), m.byteOffset(0, 0), (long) m.rows() * m.cols());
        }

        float[] vec(String key, int n) throws IOException {
            String name = prefix + key;
            check(name, n);
            float[] v = src.floats(name);
            finite(name, MemorySegment.ofArray(v), 0, v.length);
            return v;
        }

        /** Refuses a tensor with a NaN or an infinity among its n floats at byte offset off of data (see the class comment). */
        private void finite(String name, MemorySegment data, long off, long n) throws IOException {
            long at = NonFinite.first(data, off, n);
            if (at >= 0) {
                float x = data.get(Mat.FLOAT, off + at * Float.BYTES);
                TensorInfo t = src.info(name);
                throw new SafeTensorsException(src.fileOf(name), name, "element " + at + " " + index(t.shape(), at) + " of "
                        + t.shapeString() + " is " + x + ": weights must be finite (" + (Float.isNaN(x) ? "a NaN" : "an infinity")
                        + " here would make the model's outputs NaN)");
            }
            if (data.isMapped()) data.asSlice(off, n * Float.BYTES).unload();
        }

        /** Element {@code flat} of a row-major tensor of {@code shape} as its index, e.g. {@code [3, 17]}. */
        private static String index(long[] shape, long flat) {
            long[] at = new long[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                at[d] = flat % shape[d];
                flat /= shape[d];
            }
            return Arrays.toString(at);
        }

        private TensorInfo check(String name, long... expected) throws IOException {
            if (!src.has(name))
                throw new ModelFileException(src.origin(),
                        "missing tensor '" + name + "' (expected shape " + Arrays.toString(expected) + " from " + configFile.getFileName() + ")");
            TensorInfo t = src.info(name);
            if (!t.hasShape(expected)) {
                String hint = "";
                if (expected.length == 2 && t.hasShape(expected[1], expected[0]) && expected[0] != expected[1])
                    hint = "; it looks transposed: GPT-2's Conv1D stores weights as [in, out], not nn.Linear's [out, in]";
                throw new SafeTensorsException(src.fileOf(name), name, "expected shape " + Arrays.toString(expected)
                        + " (from " + configFile.getFileName() + "), got " + t.shapeString() + hint);
            }
            if (!t.dtype().readableAsFloat())
                throw new SafeTensorsException(src.fileOf(name), name, "dtype " + t.dtype() + " is not a float type (need F32, F16 or BF16)");
            used.add(name);
            return t;
        }
    }
}
