package nci.tools.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the CLI's {@code --model} value into a folder holding {@code config.json}, weights and tokenizer files.
 * Tried in order:
 * <ol>
 *   <li>an existing folder with {@code config.json}: a model folder or a cache snapshot folder, used as is;</li>
 *   <li>an existing hub cache repository folder ({@code .../models--ORG--NAME}) whose {@code refs/main} names a
 *       snapshot: that snapshot;</li>
 *   <li>a hub name, {@code name}, {@code org/name}, optionally {@code @revision} ({@code gpt2},
 *       {@code openai-community/gpt2@main}): downloaded into the cache when allowed and not offline (which falls
 *       back to the cache when the hub is unreachable), otherwise looked up in the cache alone.</li>
 * </ol>
 * A folder that exists but is neither (say the {@code gpt2/} source module beside the launcher) does not shadow a
 * hub name. When nothing fits, the error lists what was tried.
 */
public final class ModelResolver {

    private final HubClient client;
    private final Path workingDir;

    /**
     * @param client     the hub client (its settings decide the cache and whether we are offline)
     * @param workingDir base for relative folder specs (the CLI passes the current directory)
     */
    public ModelResolver(HubClient client, Path workingDir) {
        this.client = Objects.requireNonNull(client, "client");
        this.workingDir = Objects.requireNonNull(workingDir, "workingDir").toAbsolutePath();
    }

    /** A resolver over {@link HubClient#fromEnvironment()} and the process's current directory. */
    public static ModelResolver fromEnvironment() {
        return new ModelResolver(HubClient.fromEnvironment(), Path.of(""));
    }

    /**
     * @param spec          a folder path or a hub name (with optional {@code @revision})
     * @param allowDownload whether a hub name may be fetched from the network (false = cache only)
     * @return an absolute folder with config.json and the model files
     * @throws HubException of kind BAD_SPEC when nothing fits (listing what was tried), or the download's error
     */
    public Path resolve(String spec, boolean allowDownload) throws HubException {
        if (spec == null || spec.isBlank()) {
            throw new HubException(HubException.Kind.BAD_SPEC, "no model given: expected a model folder or a hub name"
                    + " such as gpt2 or openai-community/gpt2");
        }
        String s = spec.strip();
        List<String> tried = new ArrayList<>();
        Path folder = null;
        try {
            folder = workingDir.resolve(HubSettings.expandUser(s).toString()).normalize();
        } catch (InvalidPathException e) {
            tried.add("'" + s + "' is not a valid path (" + e.getReason() + ")");
        }
        if (folder != null) {
            if (Files.isDirectory(folder)) {
                if (Files.isRegularFile(folder.resolve(HubClient.CONFIG))) {
                    return folder;
                }
                Path fromRepoDir = snapshotOfRepoFolder(folder, tried);
                if (fromRepoDir != null) {
                    return fromRepoDir;
                }
                if (tried.isEmpty()) {
                    tried.add("folder " + folder + " has no " + HubClient.CONFIG
                            + " and is not a hub cache folder (models--ORG--NAME with refs/main)");
                }
            } else {
                tried.add("no folder " + folder);
            }
        }
        int at = s.lastIndexOf('@');
        String name = at > 0 ? s.substring(0, at) : s;
        String revision = at > 0 ? s.substring(at + 1) : null;
        if (!RepoId.isValid(name) || revision != null && revision.isBlank()) {
            tried.add("'" + s + "' is not a hub name (expected name, org/name or org/name@revision)");
            throw new HubException(HubException.Kind.BAD_SPEC, "cannot find model '" + s + "': "
                    + String.join("; ", tried) + ".");
        }
        boolean online = allowDownload && !client.settings().offline();
        try {
            return online ? client.download(name, revision) : client.resolveCached(name, revision);
        } catch (HubException e) {
            if (e.kind() == HubException.Kind.NOT_IN_CACHE || e.kind() == HubException.Kind.NOT_FOUND) {
                String mode = online ? "hub " + HubClient.shown(client.settings().endpoint())
                        : "hub cache " + client.cache().root() + (allowDownload ? " (HF_HUB_OFFLINE is set)"
                        : " (downloads not allowed)");
                tried.add(mode + ": " + e.getMessage());
                throw new HubException(e.kind(), "cannot find model '" + s + "': " + String.join("; ", tried), e);
            }
            throw e;
        }
    }

    /** {@code <folder>/snapshots/<refs/main>} when folder is a hub cache repository folder, else null. */
    private static Path snapshotOfRepoFolder(Path folder, List<String> tried) {
        Path ref = folder.resolve("refs").resolve(HubClient.DEFAULT_REVISION);
        if (!Files.isDirectory(folder.resolve("snapshots")) && !Files.isRegularFile(ref)) {
            return null;
        }
        if (!Files.isRegularFile(ref)) {
            tried.add("hub cache folder " + folder + " has no refs/main");
            return null;
        }
        try {
            String commit = Files.readString(ref).strip();
            Path snap = folder.resolve("snapshots").resolve(HubCache.checkSegment(commit, "commit"));
            if (Files.isRegularFile(snap.resolve(HubClient.CONFIG))) {
                return snap;
            }
            tried.add("hub cache folder " + folder + ": refs/main names " + commit + " but " + snap + " has no "
                    + HubClient.CONFIG);
        } catch (IOException | IllegalArgumentException e) {
            tried.add("hub cache folder " + folder + ": cannot read refs/main (" + e.getMessage() + ")");
        }
        return null;
    }
}
