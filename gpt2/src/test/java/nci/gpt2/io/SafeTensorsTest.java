package nci.gpt2.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nci.gpt2.Fixtures;
import nci.tensor.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path tmp;

    private static Path weights(String model) { return Fixtures.model(model).resolve("model.safetensors"); }

    @Test
    void readsHeaderOfTinyA() throws IOException {
        try (SafeTensors st = SafeTensors.open(weights("tiny-a"))) {
            assertEquals(4 + 12 * 2, st.names().size(), "wte, wpe, ln_f.{weight,bias} + 12 per layer × 2 layers");
            assertEquals("pt", st.metadata().get("format"));
            TensorInfo t = st.info("h.0.attn.c_attn.weight");
            assertEquals(DType.F32, t.dtype());
            assertArrayEquals(new long[] {32, 96}, t.shape());
            assertEquals(32 * 96 * 4, t.byteLength());
            assertArrayEquals(new long[] {50257, 32}, st.info("wte.weight").shape());
            assertTrue(st.has("ln_f.bias"));
            assertFalse(st.has("lm_head.weight"));
            assertEquals(0, st.dataStart() % 8, "header padded to a multiple of 8");
        }
    }

    @Test
    void f32MatIsAZeroCopyViewOfTheMapping() throws IOException {
        try (SafeTensors st = SafeTensors.open(weights("tiny-a"))) {
            Mat m = st.mat("h.1.mlp.c_fc.weight");
            assertTrue(m.data().isMapped(), "F32 weights must be served from the mapped file");
            assertEquals(st.segment().address() + st.absoluteOffset("h.1.mlp.c_fc.weight"), m.data().address() + m.byteOffset(0, 0),
                    "the Mat must point into the file mapping at the tensor's offset");
            assertEquals(32, m.rows());
            assertEquals(128, m.cols());
            float[] copy = st.floats("h.1.mlp.c_fc.weight");
            assertArrayEquals(copy, m.toArray());
            assertEquals(copy[5 * 128 + 7], m.get(5, 7));              // row-major [in, out]
            // 1-dim tensors read as one row.
            Mat bias = st.mat("h.0.attn.c_attn.bias");
            assertEquals(1, bias.rows());
            assertEquals(96, bias.cols());
        }
    }

    @Test
    void matIsInvalidAfterClose() throws IOException {
        Mat m;
        try (SafeTensors st = SafeTensors.open(weights("tiny-a"))) {
            m = st.mat("wpe.weight");
            m.get(0, 0);
        }
        Mat closed = m;
        assertThrows(IllegalStateException.class, () -> closed.get(0, 0));
    }

    /** torch's float32 → float16 rounding is IEEE round-to-nearest-even, as Java's Float.floatToFloat16. */
    @Test
    void f16TensorsConvertExactly() throws IOException {
        try (SafeTensors f32 = SafeTensors.open(weights("tiny-a")); SafeTensors f16 = SafeTensors.open(weights("tiny-a-f16"))) {
            assertEquals(f32.names(), f16.names());
            for (String n : f16.names()) {
                assertEquals(DType.F16, f16.info(n).dtype(), n);
                float[] a = f32.floats(n), b = f16.floats(n);
                for (int i = 0; i < a.length; i++)
                    if (Float.float16ToFloat(Float.floatToFloat16(a[i])) != b[i])
                        throw new AssertionError(n + "[" + i + "]: f16 read " + b[i] + ", expected f16(" + a[i] + ")");
            }
            Mat m = f16.mat("h.0.attn.c_attn.weight");
            assertFalse(m.data().isMapped(), "F16 is converted, not a view of the file");
            assertTrue(m.data().isNative(), "F16 is converted into native memory");
            assertArrayEquals(f16.floats("h.0.attn.c_attn.weight"), m.toArray());
        }
    }

    /** BF16 = the top 16 bits of float32 after round-to-nearest-even (torch's conversion). */
    @Test
    void bf16TensorsConvertExactly() throws IOException {
        try (SafeTensors f32 = SafeTensors.open(weights("tiny-a")); SafeTensors bf = SafeTensors.open(weights("tiny-a-bf16"))) {
            for (String n : bf.names()) {
                assertEquals(DType.BF16, bf.info(n).dtype(), n);
                float[] a = f32.floats(n), b = bf.floats(n);
                for (int i = 0; i < a.length; i++) {
                    int bits = Float.floatToRawIntBits(a[i]);
                    float rounded = Float.intBitsToFloat((bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000);
                    if (rounded != b[i]) throw new AssertionError(n + "[" + i + "]: bf16 read " + b[i] + ", expected " + rounded);
                }
            }
        }
    }

    @Test
    void readsI64InputIdsAndRefusesThemAsFloat() throws IOException {
        Path ref = Fixtures.model("tiny-a").resolve("reference.safetensors");
        try (SafeTensors st = SafeTensors.open(ref)) {
            assertEquals(DType.I64, st.info("p0.input_ids").dtype());
            assertArrayEquals(new long[] {464, 3139, 286, 8602, 318}, st.readLongs("p0.input_ids"), "\"The capital of Spain is\"");
            SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> st.floats("p0.input_ids"));
            assertNames(e, ref, "p0.input_ids");
            assertTrue(e.getMessage().contains("I64"), e.getMessage());
            assertThrows(SafeTensorsException.class, () -> st.mat("p0.input_ids"));
            SafeTensorsException e2 = assertThrows(SafeTensorsException.class, () -> st.readLongs("p0.logits_last"));
            assertNames(e2, ref, "p0.logits_last");
            SafeTensorsException e3 = assertThrows(SafeTensorsException.class, () -> st.info("nope"));
            assertNames(e3, ref, "nope");
        }
    }

    @Test
    void readsZeroDimAndBoolBuffers() throws IOException {
        try (SafeTensors st = SafeTensors.open(weights("tiny-a-buffers"))) {
            TensorInfo mb = st.info("h.0.attn.masked_bias");
            assertEquals(0, mb.rank());
            assertEquals(1, mb.numel(), "a 0-dim tensor has one element");
            assertArrayEquals(new float[] {-1e4f}, st.floats("h.0.attn.masked_bias"));
            Mat m = st.mat("h.0.attn.masked_bias");
            assertEquals(1, m.rows());
            assertEquals(1, m.cols());
            assertEquals(DType.BOOL, st.info("h.1.attn.bias").dtype());
            long[] mask = st.readLongs("h.1.attn.bias");                      // [1, 1, 64, 64], lower-triangular
            assertEquals(64 * 64, mask.length);
            for (int r = 0; r < 64; r++) for (int c = 0; c < 64; c++) assertEquals(c <= r ? 1 : 0, mask[r * 64 + c], "mask[" + r + "," + c + "]");
            assertThrows(SafeTensorsException.class, () -> st.floats("h.1.attn.bias"));
        }
    }

    // ---------------------------------------------------------------- corrupt files

    /** Writes a file with the given header JSON (padded to 8) and {@code dataBytes} bytes of data 0, 1, 2, … */
    private Path raw(String name, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) b.put((byte) ' ');
        for (int i = 0; i < dataBytes; i++) b.put((byte) i);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static void assertNames(SafeTensorsException e, Path file, String tensor) {
        assertTrue(e.getMessage().contains(file.toString()), "message must name the file: " + e.getMessage());
        if (tensor != null) {
            assertEquals(tensor, e.tensor());
            assertTrue(e.getMessage().contains("'" + tensor + "'"), "message must name the tensor: " + e.getMessage());
        }
    }

    private SafeTensorsException openFails(Path f, String tensor, String fragment) {
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.open(f).close());
        assertNames(e, f, tensor);
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        return e;
    }

    @Test
    void validSmallFileOpens() throws IOException {
        Path f = raw("ok.safetensors", "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}", 12);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(List.of("a", "b"), List.copyOf(st.names()));
            assertArrayEquals(new long[] {0x0b0a0908L}, st.readLongs("b"));   // bytes 8, 9, 10, 11 little-endian
        }
    }

    @Test
    void truncatedDataNamesTheTensorPastTheEnd() throws IOException {
        Path whole = weights("tiny-a");
        byte[] bytes = Files.readAllBytes(whole);
        Path f = tmp.resolve("truncated.safetensors");
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        SafeTensorsException e = openFails(f, null, "extend past the data region");
        assertTrue(e.tensor() != null, "a tensor must be named: " + e.getMessage());
    }

    @Test
    void truncatedHeaderIsAHeaderLengthError() throws IOException {
        byte[] bytes = Files.readAllBytes(weights("tiny-a"));
        Path f = tmp.resolve("cut.safetensors");
        Files.write(f, java.util.Arrays.copyOf(bytes, 40));
        openFails(f, null, "exceeds the file");
        Path g = tmp.resolve("tiny.safetensors");
        Files.write(g, new byte[] {1, 2, 3});
        openFails(g, null, "too short");
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        Path f = raw("long.safetensors", "{}", 0);
        byte[] b = Files.readAllBytes(f);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(f, b);
        openFails(f, null, "exceeds the file");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -8L);     // u64 2^64-8
        Files.write(f, b);
        openFails(f, null, "18446744073709551608");
    }

    @Test
    void badJsonAndNonObjectHeaders() throws IOException {
        openFails(raw("bad.safetensors", "{\"a\": {\"dtype\": \"F32\", ", 0), null, "not valid JSON");
        openFails(raw("array.safetensors", "[1, 2, 3]", 0), null, "must be a JSON object");
        openFails(raw("dup.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}", 8), null, "Duplicate");
        openFails(raw("meta.safetensors", "{\"__metadata__\":{\"format\":1}}", 0), null, "__metadata__");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path f = raw("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24);
        SafeTensorsException e = openFails(f, "b", "overlap");
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
    }

    @Test
    void wrongByteLength() throws IOException {
        Path f = raw("len.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12);
        openFails(f, "w", "does not match shape [2, 2]");
    }

    @Test
    void unknownDtype() throws IOException {
        Path f = raw("dtype.safetensors", "{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        openFails(f, "w", "unknown or unsupported dtype 'Q7'");
    }

    @Test
    void knownNonFloatDtypesAreSizedAndRefusedAsFloat() throws IOException {
        Path f = raw("f64.safetensors", "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"i\":{\"dtype\":\"I16\",\"shape\":[3],\"data_offsets\":[16,22]}}", 22);
        try (SafeTensors st = SafeTensors.open(f)) {
            SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> st.floats("d"));
            assertNames(e, f, "d");
            assertTrue(e.getMessage().contains("F64"));
            assertEquals(3, st.readLongs("i").length);
        }
        openFails(raw("f64bad.safetensors", "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "d", "does not match");
    }

    @Test
    void malformedEntries() throws IOException {
        openFails(raw("m1.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 0), "w", "lacks 'data_offsets'");
        openFails(raw("m2.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "w", "shape[0]");
        openFails(raw("m3.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "w", "end before begin");
        openFails(raw("m4.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8), "w", "shape[0]");
        openFails(raw("m5.safetensors", "{\"w\":[1,2]}", 0), "w", "must be an object");
        openFails(raw("m6.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8), "w", "2 entries");
    }

    // ---------------------------------------------------------------- writer

    @Test
    void writerRoundTrip() throws IOException {
        float[] a = {1.5f, -2f, 3.25f, Float.MIN_VALUE, -0f, 1e30f};
        long[] ids = {15496, 995, -1, Long.MAX_VALUE};
        Path f = tmp.resolve("out.safetensors");
        new SafeTensorsWriter()
                .putF32("x.last_hidden_state", new long[] {1, 2, 3}, a)
                .putI64("x.input_ids", new long[] {1, 4}, ids)
                .putF32("scalar", new long[] {}, new float[] {42f})
                .putF32("empty", new long[] {0, 5}, new float[0])
                .putMetadata("note", "round trip")
                .write(f);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals("pt", st.metadata().get("format"));
            assertEquals("round trip", st.metadata().get("note"));
            assertEquals(0, st.dataStart() % 8, "header padded to a multiple of 8");
            assertArrayEquals(a, st.floats("x.last_hidden_state"));
            assertArrayEquals(new long[] {1, 2, 3}, st.info("x.last_hidden_state").shape());
            assertArrayEquals(ids, st.readLongs("x.input_ids"));
            assertEquals(DType.I64, st.info("x.input_ids").dtype());
            assertArrayEquals(new float[] {42f}, st.floats("scalar"));
            assertEquals(0, st.floats("empty").length);
            for (String n : st.names())
                assertEquals(0, st.absoluteOffset(n) % st.info(n).dtype().byteSize(), n + " aligned to its element size");
            assertEquals(st.dataStart() + 6 * 4 + 4 * 8 + 4, Files.size(f), "data region holds exactly the tensors");
        }
        // Overwriting an existing file works and leaves no temporary behind.
        new SafeTensorsWriter().putF32("y", new long[] {1}, new float[] {7f}).write(f);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(List.of("y"), List.copyOf(st.names()));
        }
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(f), s.toList());
        }
    }

    /** A write that fails at the move (the target is a folder) leaves neither the file nor its temporary. */
    @Test
    void writerLeavesNoTemporaryWhenItFails() throws IOException {
        Path dir = tmp.resolve("taken.safetensors");
        Files.createDirectories(dir.resolve("inside"));
        SafeTensorsWriter w = new SafeTensorsWriter().putF32("a", new long[] {100_000}, new float[100_000]);
        assertThrows(IOException.class, () -> w.write(dir));
        assertTrue(Files.isDirectory(dir.resolve("inside")), "the folder is untouched");
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList(), "no taken.safetensors.tmp left behind");
        }
        // a folder where the temporary would go is not ours to delete
        Path blocked = tmp.resolve("b.safetensors");
        Files.createDirectories(tmp.resolve("b.safetensors.tmp"));
        assertThrows(IOException.class, () -> w.write(blocked));
        assertTrue(Files.isDirectory(tmp.resolve("b.safetensors.tmp")));
        assertFalse(Files.exists(blocked));
    }

    @Test
    void writerRejectsBadInput() {
        SafeTensorsWriter w = new SafeTensorsWriter().putF32("a", new long[] {2}, new float[2]);
        assertThrows(IllegalArgumentException.class, () -> w.putF32("a", new long[] {2}, new float[2]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.putF32("b", new long[] {2, 3}, new float[5]));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.putI64("__metadata__", new long[] {1}, new long[1]));
    }
}
