package nci.gpt2.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file (safetensors, index, config.json) or model folder is malformed, inconsistent or unsupported.
 * The message always starts with the file (or folder) at fault; {@link #file()} gives it separately.
 */
public class ModelFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public ModelFileException(Path file, String detail) {
        super(file + ": " + detail);
        this.file = file;
    }

    public ModelFileException(Path file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.file = file;
    }

    /** The file or folder at fault. */
    public Path file() { return file; }
}
