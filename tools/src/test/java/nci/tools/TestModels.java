package nci.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import nci.gpt2.io.SafeTensors;
import nci.gpt2.io.SafeTensorsWriter;

/** Variants of the fixture model tiny-a for the error paths: without tokenizer files, with a smaller vocabulary. */
final class TestModels {
    private TestModels() {}

    /** tiny-a's config and weights without vocab.json / merges.txt, in {@code dir}. */
    static Path withoutTokenizer(Path dir) throws IOException {
        Path tiny = Cli.model("tiny-a");
        Files.createDirectories(dir);
        Files.copy(tiny.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(tiny.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    /** tiny-a with only the first {@code vocab} rows of wte (and vocab_size to match), with tiny-a's GPT-2 tokenizer files. */
    static Path smallVocabulary(Path dir, int vocab) throws IOException {
        Path tiny = Cli.model("tiny-a");
        Files.createDirectories(dir);
        String config = Files.readString(tiny.resolve("config.json")).replace("\"vocab_size\": 50257", "\"vocab_size\": " + vocab);
        if (!config.contains("\"vocab_size\": " + vocab)) throw new IllegalStateException("tiny-a's config has no vocab_size 50257");
        Files.writeString(dir.resolve("config.json"), config);
        for (String f : new String[] {"vocab.json", "merges.txt"}) Files.copy(tiny.resolve(f), dir.resolve(f));
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(tiny.resolve("model.safetensors"))) {
            for (String name : st.names()) {
                long[] shape = st.info(name).shape();
                float[] v = st.floats(name);
                if (name.equals("wte.weight")) {
                    v = Arrays.copyOf(v, Math.toIntExact(vocab * shape[1]));
                    shape = new long[] {vocab, shape[1]};
                }
                w.putF32(name, shape, v);
            }
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }
}
