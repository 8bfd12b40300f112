package nci.gpt2.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import nci.tensor.Mat;

/**
 * Named tensors from one safetensors file ({@link SafeTensors}) or several shards behind a
 * {@code model.safetensors.index.json} ({@link ShardedSafeTensors}). Owns the file mappings:
 * every {@link Mat} handed out may be a view of a mapping and is invalid after {@link #close()}.
 */
public interface WeightSource extends AutoCloseable {

    /** File name of a single-file checkpoint. */
    String SINGLE_FILE = "model.safetensors";
    /** File name of a sharded checkpoint's index. */
    String INDEX_FILE = "model.safetensors.index.json";

    /** Tensor names, in a stable order. */
    Set<String> names();

    boolean has(String name);

    /** Header entry of a tensor; SafeTensorsException if absent. */
    TensorInfo info(String name) throws SafeTensorsException;

    /** The file a tensor lives in. */
    Path fileOf(String name) throws SafeTensorsException;

    /**
     * The tensor as a float matrix. The shape is read as [rows, cols] = [prod(shape[0..r-2]), shape[r-1]]
     * (1-dim [n] → [1, n]; 0-dim → [1, 1]). F32 is a zero-copy view of the mapping; F16/BF16 are
     * converted exactly into a heap array. Other dtypes: SafeTensorsException naming file and tensor.
     */
    Mat mat(String name) throws SafeTensorsException;

    /** The tensor's values as a fresh float[] (F32, F16, BF16 only). */
    float[] floats(String name) throws SafeTensorsException;

    /** The tensor's values as a fresh long[] (integer dtypes and BOOL; see {@link DType#readableAsLong()}). */
    long[] readLongs(String name) throws SafeTensorsException;

    /** The file named in errors about the source as a whole: the safetensors file, or the shards' index. */
    Path origin();

    /** The files behind this source. */
    List<Path> files();

    /** Unmaps every file. */
    @Override
    void close();

    /**
     * Opens the weights of a HuggingFace-layout model folder: {@code model.safetensors}, else the shards named by
     * {@code model.safetensors.index.json}. A folder with only PyTorch pickles ({@code pytorch_model.bin}) is refused
     * with advice, on purpose: unpickling runs arbitrary code and is not implemented.
     */
    static WeightSource open(Path dir) throws IOException {
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) return SafeTensors.open(single);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) return ShardedSafeTensors.open(index);
        for (String pickle : List.of("pytorch_model.bin", "pytorch_model.bin.index.json")) {
            if (Files.exists(dir.resolve(pickle)))
                throw new ModelFileException(dir, "has " + pickle + " but no " + SINGLE_FILE + " or " + INDEX_FILE
                        + ": only safetensors weights are loaded (PyTorch pickle files are not read on purpose, since"
                        + " unpickling can run arbitrary code). Download the repository's model.safetensors instead,"
                        + " or convert once in Python: safetensors.torch.save_file(torch.load('pytorch_model.bin'),"
                        + " 'model.safetensors', metadata={'format': 'pt'})");
        }
        for (String other : List.of("tf_model.h5", "flax_model.msgpack", "model.ckpt.index"))
            if (Files.exists(dir.resolve(other)))
                throw new ModelFileException(dir, "has " + other + " but no " + SINGLE_FILE + " or " + INDEX_FILE
                        + ": only safetensors weights are supported; download or convert to model.safetensors");
        throw new ModelFileException(dir, "no " + SINGLE_FILE + " or " + INDEX_FILE + " in this folder");
    }
}
