package nci.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import nci.gpt2.io.ModelFileException;
import nci.tensor.Gemm;
import nci.tensor.Mat;
import nci.tensor.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PackedWeights}: the mapped packed copy of a model's layer matrices, its checks, and the cache policy. */
class PackedWeightsTest {
    private static final int INITIAL_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() { Parallel.setThreads(INITIAL_THREADS); }

    /** Read into memory ({@link PackedWeights#load}, what the forward uses) or mapped: the same bits either way. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void forwardOverPackedWeightsGivesTheSameBits(boolean mapped, @TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("p.bin");
        try (Gpt2Model plain = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 3);
             Gpt2Model packed = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 3)) {
            PackedWeights.write(packed, "random 3", file);
            packed.usePackedWeights(mapped ? PackedWeights.map(packed, "random 3", file) : PackedWeights.load(packed, "random 3", file));
            assertNotNull(packed.packedWeights());
            assertEquals(Files.size(file), packed.packedWeights().bytes());
            assertEquals(mapped, packed.packedWeights().layer(0).attnW().data().isMapped(), "mapped or read into memory");
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                for (int[] bt : new int[][] {{1, 1}, {1, 7}, {3, 13}}) {
                    int[][] batch = Gpt2ForwardTest.tokens(bt[0], bt[1], plain.config().vocabSize(), 11L * bt[0] + bt[1]);
                    Gpt2Model.Forward want = plain.forward(batch, true, true), got = packed.forward(batch, true, true);
                    String what = bt[0] + "x" + bt[1] + " on " + threads + " threads";
                    assertArrayEquals(want.lastHidden(), got.lastHidden(), what + ": last hidden");
                    assertArrayEquals(want.logits(), got.logits(), what + ": logits");
                    for (int i = 0; i < want.hiddenStates().size(); i++)
                        assertArrayEquals(want.hiddenStates().get(i), got.hiddenStates().get(i), what + ": hidden state " + i);
                }
            }
        }
    }

    /**
     * A packed copy holds finite values only (a load that attaches one leaves the layer matrices' own check out): write
     * refuses a NaN or an infinity, naming the matrix and the element, and leaves no file, not even its temporary one.
     * Here the model is built in memory, so no load checked it; its matrices are wider than a block of columns (c_fc's
     * 600 columns are three), and the bad values sit in a later block.
     */
    @Test
    void writeRefusesNonFiniteValues(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("cache"), file = dir.resolve("p.bin");
        float[][] bad = {{Float.NaN}, {Float.NEGATIVE_INFINITY}};
        for (float[] v : bad) {
            try (Gpt2Model m = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 3, 144, 600)) {
                Mat fc = m.weights().layers().get(1).fcW();
                fc.data().set(Mat.FLOAT, fc.byteOffset(7, 517), v[0]);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackedWeights.write(m, "s", file));
                assertEquals("h.1.mlp.c_fc.weight holds " + v[0] + " at [7, 517]: weights must be finite; no packed copy is written",
                        e.getMessage());
            }
            try (var left = Files.list(dir)) {
                assertEquals(List.of(), left.toList(), "nothing is left behind");
            }
        }
    }

    /**
     * {@link PackedWeights#pack} builds in memory the very bytes {@link PackedWeights#write} writes, and
     * {@link PackedWeights#save} writes them: the files are equal to the byte and load; the forward over the copy in
     * memory gives the plain forward's bits, on one thread and on two. Matrices wider than a block of columns (c_attn
     * 432, c_fc 600 columns), so that the last blocks are ragged.
     */
    @Test
    void packBuildsInMemoryTheFileWriteWrites(@TempDir Path tmp) throws IOException {
        Path written = tmp.resolve("written.bin");
        try (Gpt2Model plain = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 9, 144, 600);
             Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 9, 144, 600)) {
            PackedWeights.write(model, "wide", written);
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                Path saved = tmp.resolve("saved" + threads + ".bin");
                PackedWeights p = PackedWeights.pack(model, "wide", saved);
                assertEquals(saved, p.file());
                assertEquals(Files.size(written), p.bytes());
                assertTrue(Files.notExists(saved), "pack writes nothing");
                model.usePackedWeights(p);
                p.save();
                assertEquals(-1L, Files.mismatch(written, saved), "the same bytes as write's");
                try (PackedWeights back = PackedWeights.load(model, "wide", saved)) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, back::save);
                    assertEquals(saved + " was read from its file, not packed in memory: nothing to save", e.getMessage());
                }
                int[][] batch = Gpt2ForwardTest.tokens(2, 9, plain.config().vocabSize(), 5L + threads);
                Gpt2Model.Forward want = plain.forward(batch, true, true), got = model.forward(batch, true, true);
                assertArrayEquals(want.lastHidden(), got.lastHidden(), threads + " threads: last hidden");
                assertArrayEquals(want.logits(), got.logits(), threads + " threads: logits");
            }
        }
    }

    /** {@link PackedWeights#pack} refuses a NaN or an infinity as {@link PackedWeights#write} does, with the same words. */
    @Test
    void packRefusesNonFiniteValues(@TempDir Path tmp) {
        try (Gpt2Model m = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 3, 144, 600)) {
            Mat attn = m.weights().layers().get(0).attnW();
            attn.data().set(Mat.FLOAT, attn.byteOffset(143, 431), Float.POSITIVE_INFINITY);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackedWeights.pack(m, "s", tmp.resolve("p.bin")));
            assertEquals("h.0.attn.c_attn.weight holds Infinity at [143, 431]: weights must be finite; no packed copy is written",
                    e.getMessage());
            assertNull(m.packedWeights());
        }
    }

    /** Matrices wider than the writer's blocks of columns (c_attn 432, c_fc 600 columns: two and three blocks, ragged). */
    @Test
    void wideMatricesAreWrittenInBlocksAsPackLaysThemOut(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("p.bin");
        try (Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 9, 144, 600)) {
            PackedWeights.write(model, "wide", file);
            try (PackedWeights p = PackedWeights.map(model, "wide", file)) {
                for (int l = 0; l < 2; l++) {
                    LayerWeights w = model.weights().layers().get(l);
                    PackedWeights.Layer q = p.layer(l);
                    List<Mat> want = List.of(w.attnW(), w.attnProjW(), w.fcW(), w.mlpProjW());
                    List<Gemm.PackedSegment> got = List.of(q.attnW(), q.attnProjW(), q.fcW(), q.mlpProjW());
                    for (int i = 0; i < 4; i++)
                        assertArrayEquals(Gemm.pack(want.get(i)).data().toArray(Mat.FLOAT), got.get(i).data().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT),
                                "layer " + l + " matrix " + i);
                }
            }
        }
    }

    @Test
    void theFileHoldsEachMatrixInGemmsPanelLayout(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("p.bin");
        try (Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU, 4)) {
            PackedWeights.write(model, "s", file);
            try (PackedWeights p = PackedWeights.map(model, "s", file)) {
                assertEquals(model.config().nLayer(), p.layerCount());
                LayerWeights w = model.weights().layers().get(1);
                Gemm.PackedSegment fc = p.layer(1).fcW();
                float[] want = Gemm.pack(w.fcW()).data().toArray(Mat.FLOAT);
                float[] got = fc.data().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
                assertArrayEquals(want, got, "layer 1 c_fc panels");
                for (int[] at : new int[][] {{0, 0}, {5, 17}, {63, 255}})
                    assertEquals(w.fcW().get(at[0], at[1]), fc.get(at[0], at[1]), "b" + java.util.Arrays.toString(at));
                assertThrows(IllegalArgumentException.class, () -> p.layer(2));
            }
        }
    }

    @Test
    void loadAndMapRefuseAFileForOtherWeights(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("p.bin");
        try (Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 5);
             Gpt2Model other = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 6)) {
            PackedWeights.write(model, "stamp-a", file);
            assertRefused(model, "stamp-b", file, "was written for other weights");
            // same shapes and stamp, other values: the sample check sees it
            assertRefused(other, "stamp-a", file, "the model's weight is");
        }
    }

    @Test
    void loadAndMapRefuseDamagedFiles(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("p.bin");
        try (Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 7)) {
            PackedWeights.write(model, "s", file);
            long size = Files.size(file);
            byte[] whole = Files.readAllBytes(file);

            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) { ch.truncate(size - 4); }
            assertRefused(model, "s", file, "truncated");

            Files.write(file, whole);
            patch(file, 0, ByteBuffer.wrap("NOTPACK!".getBytes()));
            assertRefused(model, "s", file, "not a packed-weights file");

            Files.write(file, whole);
            patch(file, 8, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 99));
            assertRefused(model, "s", file, "version 99");

            Files.write(file, whole);   // a file of version 1, which had no checksums
            patch(file, 8, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1));
            assertRefused(model, "s", file, "is packed-weights version 1, expected 3");
            Files.write(file, whole);   // and of version 2, whose writer did not refuse NaN and infinite values
            patch(file, 8, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 2));
            assertRefused(model, "s", file, "is packed-weights version 2, expected 3");

            Files.write(file, whole);
            patch(file, 12, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, Gemm.panelWidth() * 2));
            assertRefused(model, "s", file, "columns wide");

            Files.write(file, whole);
            // the last matrix's last element, [255, 63] of [256, 64], in its panel (the file ends with its panels;
            // the columns past 64 up to a whole panel are padding)
            int nr = Gemm.panelWidth();
            long lastMatrix = size - Gemm.packedFloats(256, 64) * Float.BYTES;
            long at = lastMatrix + ((long) (63 / nr) * 256 + 255) * nr * Float.BYTES + (63 % nr) * Float.BYTES;
            patch(file, at, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 12345f));
            assertRefused(model, "s", file, "holds 12345.0 at [255, 63]");

            Files.write(file, new byte[10]);
            assertRefused(model, "s", file, "too short");

            Files.write(file, java.util.Arrays.copyOf(whole, 100));
            assertRefused(model, "s", file, "is truncated: its header needs 4096 bytes, the file has 100");

            Files.write(file, whole);
            try (PackedWeights ok = PackedWeights.map(model, "s", file)) {
                assertEquals(size, ok.bytes());
            }
            try (PackedWeights ok = PackedWeights.load(model, "s", file)) {
                assertEquals(size, ok.bytes());
            }
        }
    }

    /**
     * A byte changed in place in the panels (the size and modification time kept, so the stamp still matches) is
     * caught by the checksums: the first, a random and the last byte of every matrix, each flipped in another bit.
     * The file is then not attached, and the model computes what it computes without it.
     */
    @Test
    void loadAndMapRefuseAFileWithAnyPanelByteChanged(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("p.bin");
        try (Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 10)) {
            int[][] batch = Gpt2ForwardTest.tokens(2, 5, model.config().vocabSize(), 3);
            float[] want = model.forward(batch, false, true).logits();
            PackedWeights.write(model, "s", file);
            byte[] whole = Files.readAllBytes(file);
            List<Mat> mats = new java.util.ArrayList<>();
            for (LayerWeights w : model.weights().layers()) mats.addAll(w.matrices());
            long start = whole.length;
            for (Mat m : mats) start -= Gemm.packedFloats(m.rows(), m.cols()) * Float.BYTES;
            assertEquals(4096, start, "the panels start after the header");
            java.util.SplittableRandom r = new java.util.SplittableRandom(10);
            int flips = 0;
            for (int i = 0; i < mats.size(); i++) {
                long len = Gemm.packedFloats(mats.get(i).rows(), mats.get(i).cols()) * Float.BYTES;
                for (long at : new long[] {start, start + r.nextLong(len), start + len - 1}) {
                    byte[] bad = whole.clone();
                    bad[(int) at] ^= (byte) (1 << (flips++ % 8));
                    Files.write(file, bad);
                    assertRefused(model, "s", file, "matrix " + i + " (layer " + i / 4 + ")");
                    assertTrue(!PackedWeights.attachIfValid(model, "s", file), "byte " + at + " changed");
                    assertNull(model.packedWeights(), "byte " + at + " changed");
                }
                start += len;
            }
            assertEquals(whole.length, start);
            assertArrayEquals(want, model.forward(batch, false, true).logits(), "logits without the damaged file");
            // the message of a byte changed inside a matrix's panels (not its sampled last value)
            byte[] bad = whole.clone();
            bad[4096 + 4] ^= 1;
            Files.write(file, bad);
            assertRefused(model, "s", file, "is damaged: matrix 0 (layer 0) has CRC32C ");
            Files.write(file, whole);
            assertTrue(PackedWeights.attachIfValid(model, "s", file), "the intact file attaches");
            assertNotNull(model.packedWeights());
            assertArrayEquals(want, model.forward(batch, false, true).logits(), "logits over the intact file");
        }
    }

    @Test
    void usePackedWeightsRefusesAnotherModelsShapes(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("p.bin");
        try (Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 8);
             Gpt2Model tiny = Gpt2Loader.load(Fixtures.model("tiny-a"))) {
            PackedWeights.write(tiny, "t", file);
            PackedWeights p = PackedWeights.map(tiny, "t", file);
            try (p) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.usePackedWeights(p));
                assertTrue(e.getMessage().contains("matrix 0 is [32, 96], the model's is [64, 192]"), e.getMessage());
                assertNull(model.packedWeights());
            }
        }
    }

    @Test
    void cachedWritesOnceThenAttaches(@TempDir Path tmp) throws IOException {
        Path folder = tmp.resolve("model"), cache = tmp.resolve("cache");
        Files.createDirectories(folder);
        for (String f : new String[] {"config.json", "model.safetensors"})
            Files.copy(Fixtures.model("tiny-a").resolve(f), folder.resolve(f));
        int[][] batch = {{464, 3139, 286, 8031, 318}};
        float[] want;
        try (Gpt2Model m = Gpt2Loader.load(folder)) {
            want = m.forward(batch, false, true).logits();
            assertEquals(PackedWeights.Outcome.WRITTEN, PackedWeights.cached(m, folder, cache, false));
            assertNull(m.packedWeights(), "a one-forward process does not attach the file it just wrote");
        }
        Path file = cache.resolve(PackedWeights.fileName(PackedWeights.stamp(folder)));
        assertTrue(Files.isRegularFile(file), "written to " + file);
        try (Gpt2Model m = Gpt2Loader.load(folder)) {
            assertEquals(PackedWeights.Outcome.ATTACHED, PackedWeights.cached(m, folder, cache, false));
            assertEquals(file, m.packedWeights().file());
            assertTrue(!m.packedWeights().layer(0).attnW().data().isMapped(), "read into memory, not mapped");
            assertArrayEquals(want, m.forward(batch, false, true).logits(), "logits over the packed copy");
        }
        // a damaged file is replaced, not trusted
        Files.write(file, new byte[100]);
        try (Gpt2Model m = Gpt2Loader.load(folder)) {
            assertEquals(PackedWeights.Outcome.WRITTEN_AND_ATTACHED, PackedWeights.cached(m, folder, cache, true));
            assertArrayEquals(want, m.forward(batch, false, true).logits());
        }
        // a byte changed in place, the size and modification time kept: the stamp matches, the checksum does not
        byte[] whole = Files.readAllBytes(file);
        whole[whole.length / 2] ^= 0x40;
        FileTime written = Files.getLastModifiedTime(file);
        Files.write(file, whole);
        Files.setLastModifiedTime(file, written);
        try (Gpt2Model m = Gpt2Loader.load(folder)) {
            assertEquals(PackedWeights.Outcome.WRITTEN_AND_ATTACHED, PackedWeights.cached(m, folder, cache, true));
            assertArrayEquals(want, m.forward(batch, false, true).logits());
        }
        try (Gpt2Model m = Gpt2Loader.load(folder)) {
            assertEquals(PackedWeights.Outcome.ATTACHED, PackedWeights.cached(m, folder, cache, false), "the rewritten file is whole");
        }
        // a changed weight file has another stamp, so another file
        String before = PackedWeights.stamp(folder);
        Files.setLastModifiedTime(folder.resolve("model.safetensors"), FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        String after = PackedWeights.stamp(folder);
        assertNotEquals(before, after);
        assertTrue(after.contains("model.safetensors=" + folder.resolve("model.safetensors").toRealPath()), after);
        assertNotEquals(PackedWeights.fileName(before), PackedWeights.fileName(after));
        // replaced by another file of the same size and time (a copy moved over it): another stamp too
        Path weights = folder.resolve("model.safetensors"), other = folder.resolve("other.tmp");
        Files.copy(weights, other);
        Files.setLastModifiedTime(other, Files.getLastModifiedTime(weights));
        Files.move(other, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertNotEquals(after, PackedWeights.stamp(folder), "same name, size and time, another file");
        assertThrows(ModelFileException.class, () -> PackedWeights.stamp(tmp.resolve("cache")));
    }

    @Test
    void pruneStaleDeletesOnlyCopiesWhoseWeightsChangedOrWent(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        Path a = modelFolder(tmp.resolve("a")), b = modelFolder(tmp.resolve("b")), gone = modelFolder(tmp.resolve("gone"));
        Path copyA, copyB, copyGone, copyA2;
        try (Gpt2Model ma = Gpt2Loader.load(a); Gpt2Model mb = Gpt2Loader.load(b); Gpt2Model mg = Gpt2Loader.load(gone)) {
            assertEquals(PackedWeights.Outcome.WRITTEN, PackedWeights.cached(ma, a, cache, false));
            assertEquals(PackedWeights.Outcome.WRITTEN, PackedWeights.cached(mb, b, cache, false));
            assertEquals(PackedWeights.Outcome.WRITTEN, PackedWeights.cached(mg, gone, cache, false));
            copyA = cache.resolve(PackedWeights.fileName(PackedWeights.stamp(a)));
            copyB = cache.resolve(PackedWeights.fileName(PackedWeights.stamp(b)));
            copyGone = cache.resolve(PackedWeights.fileName(PackedWeights.stamp(gone)));
            // another copy's writes prune nothing while every copy's weights are as stamped
            for (Path copy : List.of(copyA, copyB, copyGone)) assertTrue(Files.isRegularFile(copy), copy.toString());
            assertEquals(List.of(), PackedWeights.pruneStale(cache, null));
        }
        // what pruning must leave even where they hold a stale stamp: files not named as copies, a writer's
        // temporary file, a later version's copy; and a damaged one
        Path notOurs = Files.write(cache.resolve("notes.txt"), new byte[] {1, 2, 3});
        Path temp = Files.copy(copyGone, cache.resolve(copyGone.getFileName() + "123.tmp"));
        Path otherVersion = Files.copy(copyGone, cache.resolve("packed-" + "0".repeat(32) + ".bin"));
        patch(otherVersion, 8, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(99));
        // and what it must delete although its weights are unchanged: an earlier version's copy of b
        Path earlier = Files.copy(copyB, cache.resolve("packed-" + "2".repeat(32) + ".bin"));
        patch(earlier, 8, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(1));
        Path version2 = Files.copy(copyB, cache.resolve("packed-" + "3".repeat(32) + ".bin"));
        patch(version2, 8, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(2));
        Path damaged = Files.write(cache.resolve("packed-" + "1".repeat(32) + ".bin"), new byte[10]);
        // the weights of a change in place (a new modification time), and a folder deleted
        Path weightsA = a.resolve("model.safetensors");
        Files.setLastModifiedTime(weightsA, FileTime.fromMillis(Files.getLastModifiedTime(weightsA).toMillis() + 5000));
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.delete(gone.resolve(f));
        Files.delete(gone);
        try (Gpt2Model ma = Gpt2Loader.load(a)) {
            assertEquals(PackedWeights.Outcome.WRITTEN, PackedWeights.cached(ma, a, cache, false));
            copyA2 = cache.resolve(PackedWeights.fileName(PackedWeights.stamp(a)));
        }
        assertNotEquals(copyA, copyA2);
        assertTrue(Files.isRegularFile(copyA2), "the copy just written stays");
        assertTrue(Files.isRegularFile(copyB), "b's weights did not change: its copy stays");
        assertTrue(Files.notExists(copyA), "a's old copy: its weights changed");
        assertTrue(Files.notExists(copyGone), "the deleted folder's copy");
        assertTrue(Files.notExists(earlier), "an earlier version's copy: no version from this one on can map it");
        assertTrue(Files.notExists(version2), "version 2's copy, whose writer did not refuse non-finite values");
        for (Path kept : List.of(notOurs, temp, otherVersion, damaged)) assertTrue(Files.isRegularFile(kept), kept.toString());
        // keep is never deleted, even when stale
        Files.setLastModifiedTime(weightsA, FileTime.fromMillis(Files.getLastModifiedTime(weightsA).toMillis() + 5000));
        assertEquals(List.of(), PackedWeights.pruneStale(cache, copyA2));
        assertEquals(List.of(copyA2), PackedWeights.pruneStale(cache, null));
        assertEquals(List.of(), PackedWeights.pruneStale(tmp.resolve("no such folder"), null));
    }

    @Test
    void staleStampsAreThoseWhoseFilesChanged(@TempDir Path tmp) throws IOException {
        Path folder = modelFolder(tmp.resolve("m"));
        String stamp = PackedWeights.stamp(folder);
        assertTrue(!PackedWeights.isStale(stamp), stamp);
        Path config = folder.resolve("config.json");
        Files.writeString(config, Files.readString(config) + " ");      // another size
        assertTrue(PackedWeights.isStale(stamp));
        assertTrue(!PackedWeights.isStale(PackedWeights.stamp(folder)));
        assertTrue(!PackedWeights.isStale("not a stamp line\n"), "a line that does not parse leaves the file alone");
    }

    /** A folder holding the tiny-a fixture's config and weights. */
    private static Path modelFolder(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (String f : new String[] {"config.json", "model.safetensors"})
            Files.copy(Fixtures.model("tiny-a").resolve(f), folder.resolve(f));
        return folder;
    }

    /** {@link PackedWeights#open} reads a file within its budget into memory and maps a larger one. */
    @Test
    void openReadsAFileWithinTheBudgetAndMapsALargerOne(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("p.bin");
        try (Gpt2Model model = Gpt2ForwardTest.randomModel(Activation.GELU_NEW, 5)) {
            PackedWeights.write(model, "s", file);
            long size = Files.size(file);
            try (PackedWeights read = PackedWeights.open(model, "s", file, size);
                 PackedWeights mapped = PackedWeights.open(model, "s", file, size - 1)) {
                assertTrue(!read.layer(0).attnW().data().isMapped() && read.layer(0).attnW().data().isNative(), "read into native memory");
                assertTrue(mapped.layer(0).attnW().data().isMapped(), "mapped");
                for (int l = 0; l < read.layerCount(); l++)
                    for (int i = 0; i < 4; i++)
                        assertEquals(-1L, read.layer(l).matrices().get(i).data().mismatch(mapped.layer(l).matrices().get(i).data()),
                                "layer " + l + " matrix " + i);
            }
            try (PackedWeights byDefault = PackedWeights.open(model, "s", file)) {
                assertTrue(!byDefault.layer(0).attnW().data().isMapped(), "a small copy is read into memory under the default heap");
            }
        }
    }

    private static void patch(Path file, long at, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            bytes.rewind();
            ch.write(bytes, at);
        }
    }

    /** Both ways of opening a file refuse it, with the same message. */
    private static void assertRefused(Gpt2Model model, String stamp, Path file, String why) {
        ModelFileException read = assertThrows(ModelFileException.class, () -> PackedWeights.load(model, stamp, file));
        assertTrue(read.getMessage().contains(why) && read.getMessage().contains(file.toString()), read.getMessage());
        ModelFileException mapped = assertThrows(ModelFileException.class, () -> PackedWeights.map(model, stamp, file));
        assertEquals(read.getMessage(), mapped.getMessage());
    }
}
