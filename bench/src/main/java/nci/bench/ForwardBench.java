package nci.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import nci.gpt2.Gpt2Model;
import nci.gpt2.PackedWeights;
import nci.tensor.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One GPT-2-small forward (seeded random weights, see {@link RandomGpt2}) up to the final hidden states,
 * plus the logits of the last position of each sequence: what a next-token or patching metric needs.
 * Inputs: batch 1 at T = 8, 32, 128, and batch 16 × 32. Average time per forward, in ms.
 * The layer matrices are read from a packed copy ({@link PackedWeights}, written to a temporary file in
 * {@code @Setup} and read back into memory by {@link PackedWeights#load}): how {@code nci forward} runs from a model's
 * second run on. {@code @Setup} checks that the
 * logits are bit for bit those of the forward that packs B per product (what a first run does).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.VECTOR_MODULE, JvmFlags.NATIVE_ACCESS, JvmFlags.SERIAL_GC, JvmFlags.PREDICATES,
        JvmFlags.DIAGNOSTIC, JvmFlags.SWITCH_PROFILES,
        JvmFlags.COMPILE_QUIET, JvmFlags.KERNEL_THRESHOLDS, JvmFlags.HEAP})
public class ForwardBench {

    static final long SEED = 0x6A7_2024L;

    @State(Scope.Benchmark)
    public static class Model {
        /** "BxT": batch × tokens per sequence. */
        @Param({"1x8", "1x32", "1x128", "16x32"})
        public String input;
        @Param({"1", "2"})
        public int threads;

        Gpt2Model model;
        int[][] batch;
        Path packedFile;

        @Setup(Level.Trial)
        public void setup() {
            int[] bt = parseInput(input);
            Parallel.setThreads(threads);
            model = RandomGpt2.build(RandomGpt2.SMALL, SEED);
            batch = RandomGpt2.tokens(bt[0], bt[1], model.config().vocabSize(), SEED + 1);
            float[] perCall = lastLogits(model, batch);
            try {
                String stamp = "ForwardBench RandomGpt2.SMALL seed " + SEED;
                packedFile = Files.createTempFile("nci-forwardbench-", ".packed");
                PackedWeights.write(model, stamp, packedFile);
                model.usePackedWeights(PackedWeights.load(model, stamp, packedFile));
            } catch (IOException e) {
                throw new UncheckedIOException("ForwardBench: writing the packed weights to a temporary file failed", e);
            }
            float[] packed = lastLogits(model, batch);
            if (!Arrays.equals(perCall, packed))
                throw new IllegalStateException("ForwardBench " + input + ": logits over the packed weights read from the file differ from the per-call packing's");
            check();
        }

        /**
         * The variant check: the last sequence of the batch run on its own with logits at every
         * position must give, at its last row, the logits the timed path computes from the batch.
         * This covers the row offsets of the gather and batch independence of the forward.
         */
        void check() {
            int b = batch.length, T = batch[0].length, v = model.config().vocabSize();
            float[] timed = lastLogits(model, batch);
            Agreement.finite("ForwardBench " + input + " last-position logits", timed, 0, timed.length);
            float[] alone = model.forward(new int[][] {batch[b - 1]}, false, true).logits();
            Agreement.check("ForwardBench " + input + ": logits of sequence " + (b - 1)
                            + " in the batch vs run alone (all positions), last position",
                    timed, (b - 1) * v, alone, (T - 1) * v, v, 1e-3f);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (model != null) model.close();
            model = null;
            try {
                if (packedFile != null) Files.deleteIfExists(packedFile);
            } catch (IOException e) {
                throw new UncheckedIOException("ForwardBench: cannot delete " + packedFile, e);
            }
            packedFile = null;
        }
    }

    /** "16x32" -> {16, 32}. */
    static int[] parseInput(String input) {
        String[] parts = input.split("x");
        try {
            if (parts.length == 2) {
                int b = Integer.parseInt(parts[0]), t = Integer.parseInt(parts[1]);
                if (b >= 1 && t >= 1) return new int[] {b, t};
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("ForwardBench param input '" + input + "': expected BxT with positive integers, e.g. 16x32");
    }

    /**
     * Forward to the final hidden states [B·T, E], then logits [B, V] of each sequence's last row:
     * the B last rows are gathered into one [B, E] block so the 50257×768 LM head is streamed once,
     * not once per sequence.
     */
    static float[] lastLogits(Gpt2Model model, int[][] batch) {
        int b = batch.length, T = batch[0].length, e = model.config().nEmbd();
        float[] hidden = model.forward(batch, false, false).lastHidden();   // [B, T, E] after ln_f
        float[] last = new float[b * e];                                    // [B, E]
        for (int i = 0; i < b; i++) System.arraycopy(hidden, (i * T + T - 1) * e, last, i * e, e);
        return model.logits(last, 0, b);                                    // [B, V]
    }

    @Benchmark
    public float[] forwardLastLogits(Model s) {
        return lastLogits(s.model, s.batch);
    }
}
