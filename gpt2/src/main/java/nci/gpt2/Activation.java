package nci.gpt2;

/** The MLP activations GPT-2 checkpoints name in config.json ({@code activation_function}). */
public enum Activation {
    /** {@code gelu_new}: the tanh approximation, GPT-2's default. */
    GELU_NEW("gelu_new"),
    /** {@code gelu}: exact, with erf. */
    GELU("gelu");

    private final String configName;

    Activation(String configName) { this.configName = configName; }

    public String configName() { return configName; }

    /**
     * Parses config.json's name. HuggingFace also spells the tanh form {@code gelu_pytorch_tanh} and
     * {@code gelu_fast}: the same function, written with its terms in another order (so they differ from
     * {@code gelu_new} only in rounding). Every other name is rejected, since it means another function.
     */
    public static Activation fromConfig(String name) {
        return switch (name) {
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_NEW;
            case "gelu" -> GELU;
            default -> throw new IllegalArgumentException("unsupported activation_function '" + name
                    + "' (supported: gelu_new, gelu_pytorch_tanh, gelu_fast, gelu)");
        };
    }
}
