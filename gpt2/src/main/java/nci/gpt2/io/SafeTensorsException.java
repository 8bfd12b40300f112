package nci.gpt2.io;

import java.nio.file.Path;

/**
 * A safetensors file violates the format, or a tensor in it cannot be read the way it was asked for.
 * The message names the file and, when one is at fault, the tensor: {@code <file>: tensor '<name>': <what>}.
 */
public class SafeTensorsException extends ModelFileException {
    private static final long serialVersionUID = 1L;

    private final String tensor;

    public SafeTensorsException(Path file, String tensor, String detail) {
        super(file, tensor == null ? detail : "tensor '" + tensor + "': " + detail);
        this.tensor = tensor;
    }

    public SafeTensorsException(Path file, String tensor, String detail, Throwable cause) {
        super(file, tensor == null ? detail : "tensor '" + tensor + "': " + detail, cause);
        this.tensor = tensor;
    }

    /** The tensor at fault, or null when the problem is with the file as a whole (e.g. its header). */
    public String tensor() { return tensor; }
}
