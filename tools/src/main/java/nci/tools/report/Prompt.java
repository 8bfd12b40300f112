package nci.tools.report;

import java.util.List;

/**
 * A prompt as the model saw it: {@code label} (e.g. "clean", "counterfactual"), the {@code text} and its
 * {@code tokens} as decoded strings (may be empty when not tokenized); tokens are shown with their positions.
 */
public record Prompt(String label, String text, List<String> tokens) {
    public Prompt {
        if (label == null || text == null || tokens == null) {
            throw new IllegalArgumentException("prompt: label, text and tokens must not be null (label=" + label + ")");
        }
        tokens = List.copyOf(tokens);
    }
}
