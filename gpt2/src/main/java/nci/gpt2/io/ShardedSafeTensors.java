package nci.gpt2.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nci.tensor.Mat;

/**
 * A checkpoint split over several safetensors files, described by {@code model.safetensors.index.json}:
 * {@code {"metadata": {...}, "weight_map": {"<tensor>": "<shard file name>", ...}}}. Shard names are resolved in the
 * index's folder and must stay inside it. Each shard is mapped once; every tensor the map names must be in its shard.
 * Tensors present in a shard but absent from {@code weight_map} are not exposed (the index is authoritative).
 */
public final class ShardedSafeTensors implements WeightSource {

    private final Path index;
    private final Map<String, SafeTensors> byTensor;   // weight_map order
    private final List<SafeTensors> shards;

    private ShardedSafeTensors(Path index, Map<String, SafeTensors> byTensor, List<SafeTensors> shards) {
        this.index = index;
        this.byTensor = Collections.unmodifiableMap(byTensor);
        this.shards = List.copyOf(shards);
    }

    public static ShardedSafeTensors open(Path indexFile) throws IOException {
        JsonNode root;
        try {
            root = SafeTensors.JSON.readTree(Files.readAllBytes(indexFile));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelFileException(indexFile, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFileException(indexFile, "must be a JSON object");
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty())
            throw new ModelFileException(indexFile, "field 'weight_map' must be a non-empty object of tensor name -> shard file");
        Path dir = indexFile.toAbsolutePath().getParent();
        Map<String, SafeTensors> openShards = new LinkedHashMap<>();
        Map<String, SafeTensors> byTensor = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                String tensor = e.getKey();
                JsonNode v = e.getValue();
                if (!v.isTextual() || v.textValue().isEmpty())
                    throw new ModelFileException(indexFile, "weight_map entry '" + tensor + "' must be a shard file name, got " + v);
                String shardName = v.textValue();
                SafeTensors shard = openShards.get(shardName);
                if (shard == null) {
                    Path shardPath = dir.resolve(shardName).normalize();
                    if (Path.of(shardName).isAbsolute() || !shardPath.getParent().equals(dir.normalize()))
                        throw new ModelFileException(indexFile, "weight_map entry '" + tensor + "' names shard '" + shardName
                                + "', which is not a plain file name in the index's folder");
                    if (!Files.isRegularFile(shardPath))
                        throw new ModelFileException(indexFile, "weight_map entry '" + tensor + "' names shard '" + shardName
                                + "', which does not exist (" + shardPath + ")");
                    shard = SafeTensors.open(shardPath);
                    openShards.put(shardName, shard);
                }
                if (!shard.has(tensor))
                    throw new SafeTensorsException(shard.file(), tensor, "listed in " + indexFile.getFileName()
                            + " for this shard, but the shard has no such tensor");
                byTensor.put(tensor, shard);
            }
        } catch (IOException | RuntimeException | Error ex) {
            openShards.values().forEach(SafeTensors::close);
            throw ex;
        }
        return new ShardedSafeTensors(indexFile, byTensor, new ArrayList<>(openShards.values()));
    }

    public Path indexFile() { return index; }

    public List<SafeTensors> shards() { return shards; }

    @Override
    public Path origin() { return index; }

    @Override
    public List<Path> files() { return shards.stream().map(SafeTensors::file).toList(); }

    @Override
    public Set<String> names() { return byTensor.keySet(); }

    @Override
    public boolean has(String name) { return byTensor.containsKey(name); }

    private SafeTensors shard(String name) throws SafeTensorsException {
        SafeTensors s = byTensor.get(name);
        if (s == null) throw new SafeTensorsException(index, name, "no such tensor in weight_map");
        return s;
    }

    @Override
    public TensorInfo info(String name) throws SafeTensorsException { return shard(name).info(name); }

    @Override
    public Path fileOf(String name) throws SafeTensorsException { return shard(name).file(); }

    @Override
    public Mat mat(String name) throws SafeTensorsException { return shard(name).mat(name); }

    @Override
    public float[] floats(String name) throws SafeTensorsException { return shard(name).floats(name); }

    @Override
    public long[] readLongs(String name) throws SafeTensorsException { return shard(name).readLongs(name); }

    @Override
    public void close() { shards.forEach(SafeTensors::close); }

    @Override
    public String toString() { return "ShardedSafeTensors[" + index + ", " + shards.size() + " shards, " + byTensor.size() + " tensors]"; }
}
