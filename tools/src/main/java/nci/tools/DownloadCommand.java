package nci.tools;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import nci.tools.hub.HubClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nci download MODEL [--revision REV]}: fetches config.json, the safetensors weights (or the sharded index
 * and its shards), vocab.json and merges.txt into the HuggingFace cache (HF_HOME, HF_ENDPOINT, HF_TOKEN,
 * HF_HUB_OFFLINE honoured) and prints the snapshot folder.
 */
@Command(name = "download", description = "Download a GPT-2 model from the HuggingFace hub into the HF cache; prints the snapshot folder.")
final class DownloadCommand implements Callable<Integer> {

    @Parameters(paramLabel = "MODEL", description = "Hub name, e.g. gpt2, distilgpt2, openai-community/gpt2-medium.")
    String model;

    @Option(names = "--revision", paramLabel = "REV", description = "Branch, tag or commit (default: main).")
    String revision;

    @Override
    public Integer call() throws Exception {
        try (HubClient client = HubClient.fromEnvironment()) {
            Path snapshot = client.download(model, revision);
            System.out.println(snapshot);
        }
        return 0;
    }
}
