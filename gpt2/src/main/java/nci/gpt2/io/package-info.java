/**
 * Reading and writing model files.
 *
 * <p>{@link nci.gpt2.io.SafeTensors} maps one {@code .safetensors} file whole (a shared {@link java.lang.foreign.Arena}
 * it owns, long offsets, no 2 GB limit), validates its header completely on open, and serves tensors: F32 as
 * zero-copy {@link nci.tensor.Mat} views of the mapping, F16/BF16 converted exactly to float32, integer tensors as
 * long[]. {@link nci.gpt2.io.ShardedSafeTensors} does the same over the shards of a
 * {@code model.safetensors.index.json}; both are {@link nci.gpt2.io.WeightSource}s, and
 * {@link nci.gpt2.io.WeightSource#open(java.nio.file.Path)} picks one for a model folder (and refuses pickle-only
 * folders with advice). {@link nci.gpt2.io.SafeTensorsWriter} writes F32/I64 tensors in the standard layout.
 *
 * <p>Every format problem is a {@link nci.gpt2.io.SafeTensorsException} (a {@link nci.gpt2.io.ModelFileException},
 * itself an {@link java.io.IOException}) whose message names the file and, where one is at fault, the tensor.
 * The GPT-2 specifics (names, shapes, the Conv1D [in, out] layout, tied head) live in {@link nci.gpt2.Gpt2Loader}.
 */
package nci.gpt2.io;
