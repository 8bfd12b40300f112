package nci.tools;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Loader;
import nci.gpt2.Gpt2Model;
import nci.gpt2.io.SafeTensorsWriter;
import nci.gpt2.tokenizer.Gpt2Tokenizer;
import nci.tools.study.PackedCache;
import nci.tools.study.Strings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nci forward --model DIR (--text TEXT | --ids 1,2,3)... [--out FILE.safetensors [--all]]}.
 * With --out: writes last_hidden_state [B,T,C] and logits [B,T,V] (with --all also hidden_states.i, i = 0..n_layer
 * in HuggingFace's numbering, and attentions.l [B,H,T,T]). Without: the top-10 next tokens of each sequence.
 */
@Command(name = "forward", description = "Run GPT-2 on a batch of equal-length sequences.")
final class ForwardCommand implements Callable<Integer> {

    @Mixin
    PackedCacheOption packedCache = new PackedCacheOption();

    @Option(names = "--model", paramLabel = "MODEL", description = "A model folder, a hub cache folder, or a hub name such as gpt2 or org/name@revision (default: the embedded model).")
    String model;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", required = true, description = "A sequence given as text (repeat for a batch).")
        String text;
        @Option(names = "--ids", paramLabel = "IDS", required = true, description = "A sequence given as comma-separated token ids (repeat for a batch).")
        String ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1..*")
    List<Input> inputs = new ArrayList<>();

    @Option(names = "--out", paramLabel = "FILE", description = "Write the outputs to this .safetensors file (its folder is created if needed).")
    Path out;

    @Option(names = "--all", description = "With --out: also every hidden state and attention pattern.")
    boolean all;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "Without --out: how many next tokens to print (default ${DEFAULT-VALUE}).")
    int top;

    @Override
    public Integer call() throws Exception {
        if (all && out == null) throw new IllegalArgumentException("--all needs --out");
        if (top < 1) throw new IllegalArgumentException("--top " + top + ": expected at least 1");
        if (out != null) checkOut(out);
        Path dir = Models.resolve(model);
        Gpt2Tokenizer tok = null;
        int[][] batch = new int[inputs.size()][];
        for (int i = 0; i < batch.length; i++) {
            Input in = inputs.get(i);
            if (in.text != null) {
                if (tok == null) tok = Gpt2Tokenizer.load(dir);
                batch[i] = tok.encode(in.text);
                if (batch[i].length == 0) throw new IllegalArgumentException("--text '" + in.text + "' (sequence " + i + ") encodes to no tokens");
            } else {
                batch[i] = Ids.parse(in.ids, "--ids");
            }
        }
        Path folder = Gpt2Loader.resolveFolder(dir);
        try (Gpt2Model m = packedCache.on() ? PackedCache.load(folder) : Gpt2Loader.load(folder)) {
            Gpt2Config c = m.config();
            for (int i = 0; i < batch.length; i++) {
                if (batch[i].length != batch[0].length)
                    throw new IllegalArgumentException("sequence " + i + " has " + batch[i].length + " tokens but sequence 0 has "
                            + batch[0].length + ": a batch needs equal lengths");
                for (int t = 0; t < batch[i].length; t++)
                    if (batch[i][t] >= c.vocabSize())
                        throw new IllegalArgumentException("token id " + batch[i][t] + " (sequence " + i + ", position " + t
                                + ") is outside the vocabulary of " + c.vocabSize());
            }
            if (batch[0].length > c.nPositions())
                throw new IllegalArgumentException(batch[0].length + " tokens exceed n_positions " + c.nPositions());
            checkHeap(m, batch.length, batch[0].length, all, out != null, heapForArrays(), Runtime.getRuntime().maxMemory());
            // the cache is opened once the input is known to be good: a rejected batch starts no background write
            try (PackedCache pc = packedCache.on() ? PackedCache.open(m, folder, false) : PackedCache.off()) {
                run(m, c, batch, tok, dir);
            }
        }
        return 0;
    }

    /** The forward of a checked batch, written to --out or printed as top next tokens. */
    private void run(Gpt2Model m, Gpt2Config c, int[][] batch, Gpt2Tokenizer tok, Path dir) throws IOException {
        int b = batch.length, T = batch[0].length, e = c.nEmbd(), v = c.vocabSize();
        if (out != null) {
            Gpt2Model.Forward f = m.forward(batch, all, true);
            SafeTensorsWriter w = new SafeTensorsWriter();
            List<String> names = new ArrayList<>();
            w.putF32("last_hidden_state", new long[] {b, T, e}, f.lastHidden());
            w.putF32("logits", new long[] {b, T, v}, f.logits());
            names.add("last_hidden_state");
            names.add("logits");
            if (all) {
                for (int i = 0; i < f.hiddenStates().size(); i++) {
                    w.putF32("hidden_states." + i, new long[] {b, T, e}, f.hiddenStates().get(i));
                    names.add("hidden_states." + i);
                }
                for (int l = 0; l < f.attentions().size(); l++) {
                    w.putF32("attentions." + l, new long[] {b, c.nHead(), T, T}, f.attentions().get(l));
                    names.add("attentions." + l);
                }
            }
            try {
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                w.write(out);
            } catch (IOException x) {
                throw writeFailed(out, x);
            }
            System.out.println("wrote " + out + " (" + String.join(", ", names) + ")");
        } else {
            if (tok == null) tok = tryTokenizer(dir);
            Gpt2Model.Forward f = m.forward(batch, false, false);
            for (int i = 0; i < b; i++) {
                float[] logits = m.logits(f.lastHidden(), (i * T + T - 1) * e, 1);
                double[] p = Probabilities.softmax(logits);
                int[] best = Probabilities.topK(p, top);
                String head = tok != null ? " " + Strings.quote(tok.decode(batch[i])) : "";
                System.out.println("sequence " + i + head + " (" + T + " tokens): top " + best.length + " next tokens");
                for (int r = 0; r < best.length; r++) {
                    String text = tok != null ? Strings.quote(tok.decode(new int[] {best[r]})) : "";
                    System.out.printf("  %2d. %-20s id %-6d p=%.6g%n", r + 1, text, best[r], p[best[r]]);
                }
            }
        }
    }

    /**
     * --out before anything is computed: a .safetensors name (as patch's outputs), not an existing folder or other
     * non-regular file (a device would be replaced by a regular file), and under a folder or where one can be made.
     */
    static void checkOut(Path out) {
        Path name = out.getFileName();
        if (name == null || !name.toString().endsWith(".safetensors"))
            throw new IllegalArgumentException("--out '" + out + "': expected a .safetensors file name");
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + ": is a folder");
        if (Files.exists(out) && !Files.isRegularFile(out))
            throw new IllegalArgumentException("--out " + out + ": exists and is not a regular file");
        for (Path p = out.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) break;
            if (Files.exists(p)) throw new IllegalArgumentException("--out " + out + ": " + p + " is not a folder");
        }
    }

    /**
     * Refuses, before anything is computed, a batch whose forward would need more heap than its arrays can get (an
     * OutOfMemoryError once the layers had run), or an array longer than Java allows ({@link Gpt2Model#forwardFloats}).
     * With --out the logits [B, T, V] are most of it.
     * @param limit heap bytes the arrays can take ({@link #heapForArrays}); {@code heap} the whole heap's maximum
     */
    static void checkHeap(Gpt2Model m, int b, int T, boolean all, boolean logits, long limit, long heap) {
        long bytes = m.forwardFloats(b, T, all, logits) * Float.BYTES;
        if (bytes <= limit) return;
        String part = logits ? " (logits [" + b + ", " + T + ", " + m.config().vocabSize() + "]: "
                + size((long) b * T * m.config().vocabSize() * Float.BYTES) + ")" : "";
        String room = limit < heap ? size(heap) + " Java heap, of which large arrays can take " + size(limit) : size(heap) + " Java heap";
        long suggest = (long) Math.ceil((double) bytes / limit * heap / (1L << 30)) + 1;
        throw new IllegalArgumentException("batch too large: " + b + " x " + T + " positions need " + size(bytes) + part + ", more than the "
                + room + ": run fewer or shorter sequences, or give java more (NCI_JAVA_OPTS=-Xmx" + suggest + "g)");
    }

    /**
     * Heap bytes a batch's arrays can take: the largest heap pool's maximum, as a large array is allocated in the old
     * generation (under the launcher's SerialGC two thirds of the heap; under G1 all of it), else the whole heap.
     */
    static long heapForArrays() {
        long heap = Runtime.getRuntime().maxMemory(), pool = -1;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.isValid()) pool = Math.max(pool, p.getUsage().getMax());
        return pool > 0 ? Math.min(pool, heap) : heap;
    }

    private static String size(long bytes) {
        return bytes < 1L << 30 ? String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** An error writing --out, naming it: a failed write() says only "No space left on device". */
    static IOException writeFailed(Path out, IOException e) {
        return new IOException("cannot write --out " + out + ": " + Main.message(e), e);
    }

    private static Gpt2Tokenizer tryTokenizer(Path dir) {
        try {
            return Gpt2Tokenizer.load(dir);
        } catch (Exception e) {
            return null; // --ids needs no tokenizer files; then the ids are printed without text
        }
    }
}
