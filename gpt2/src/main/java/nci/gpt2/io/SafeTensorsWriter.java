package nci.gpt2.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes F32 and I64 tensors to a {@code .safetensors} file in the standard layout: u64 LE header length, a compact
 * JSON header padded with spaces to a multiple of 8 (so the data region starts 8-aligned), then the data.
 * Tensors are laid out by element size (largest first), then name, as the {@code safetensors} Python package
 * does, so every tensor starts aligned to its element size. {@code __metadata__} is {@code {"format":"pt"}}
 * plus anything added with {@link #putMetadata}. The file is written to a temporary sibling and moved into place;
 * if anything fails, the temporary is deleted.
 */
public final class SafeTensorsWriter {

    private record Entry(String name, DType dtype, long[] shape, float[] f32, long[] i64) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafeTensorsWriter() {
        metadata.put("format", "pt");
    }

    /** Adds an F32 tensor; values (row-major, product(shape) of them) are copied at {@link #write} time, not now. */
    public SafeTensorsWriter putF32(String name, long[] shape, float[] values) {
        check(name, shape, values.length);
        entries.put(name, new Entry(name, DType.F32, shape.clone(), values, null));
        return this;
    }

    /** Adds an I64 tensor (e.g. {@code input_ids}). */
    public SafeTensorsWriter putI64(String name, long[] shape, long[] values) {
        check(name, shape, values.length);
        entries.put(name, new Entry(name, DType.I64, shape.clone(), null, values));
        return this;
    }

    public SafeTensorsWriter putMetadata(String key, String value) {
        if (key == null || value == null) throw new IllegalArgumentException("metadata key and value must be non-null");
        metadata.put(key, value);
        return this;
    }

    private void check(String name, long[] shape, int n) {
        if (name == null || name.isEmpty() || name.equals("__metadata__"))
            throw new IllegalArgumentException("bad tensor name '" + name + "'");
        if (entries.containsKey(name)) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        long numel = 1;
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            numel = Math.multiplyExact(numel, s);
        }
        if (numel != n)
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has " + numel
                    + " elements but " + n + " values were given");
    }

    /** Writes the file (replacing an existing one). */
    public void write(Path file) throws IOException {
        List<Entry> order = new ArrayList<>(entries.values());
        order.sort(Comparator.comparingInt((Entry e) -> -e.dtype().byteSize()).thenComparing(Entry::name));

        ObjectNode header = SafeTensors.JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Entry e : order) {
            long bytes = (long) (e.f32 != null ? e.f32.length : e.i64.length) * e.dtype().byteSize();
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long s : e.shape()) shape.add(s);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = SafeTensors.JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        boolean opened = false;                           // only a temporary this call opened is deleted on failure
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            opened = true;
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            buf.putLong(padded);
            buf.flip();
            writeFully(ch, buf);
            writeFully(ch, ByteBuffer.wrap(headerBytes));
            for (Entry e : order) {
                buf.clear();
                if (e.f32 != null) {
                    for (float v : e.f32) {
                        if (buf.remaining() < Float.BYTES) { buf.flip(); writeFully(ch, buf); buf.clear(); }
                        buf.putFloat(v);
                    }
                } else {
                    for (long v : e.i64) {
                        if (buf.remaining() < Long.BYTES) { buf.flip(); writeFully(ch, buf); buf.clear(); }
                        buf.putLong(v);
                    }
                }
                buf.flip();
                writeFully(ch, buf);
            }
        } catch (IOException | RuntimeException e) {
            if (opened) deleteQuietly(tmp, e);
            throw e;
        }
        try {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp, e);                        // e.g. file is a folder: no temporary left beside it
            throw e;
        }
    }

    private static void deleteQuietly(Path tmp, Throwable failure) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException d) {
            failure.addSuppressed(d);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }
}
