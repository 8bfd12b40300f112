/**
 * The HuggingFace hub client: downloads a model repository's config, safetensors weights (single file or sharded)
 * and GPT-2 tokenizer files into the cache that {@code huggingface_hub} uses, and finds them there offline.
 *
 * <ul>
 *   <li>{@link nci.tools.hub.HubClient}: download / cache-only resolution of {@code org/name@revision};</li>
 *   <li>{@link nci.tools.hub.ModelResolver}: the CLI's {@code --model}: a folder or a hub name;</li>
 *   <li>{@link nci.tools.hub.HubSettings}: endpoint, cache, token, offline, timeouts, from the HF_* environment
 *       (injectable as a map);</li>
 *   <li>{@link nci.tools.hub.HubCache}: the on-disk layout (blobs by ETag, snapshots by commit, refs);</li>
 *   <li>{@link nci.tools.hub.ProgressListener} and {@link nci.tools.hub.ConsoleProgress}: progress reporting;</li>
 *   <li>{@link nci.tools.hub.HubException}: every failure, with a {@link nci.tools.hub.HubException.Kind}.</li>
 * </ul>
 */
package nci.tools.hub;
