package nci.patching;

import java.util.function.Consumer;

/**
 * Per-run options.
 *
 * @param logits     also compute logits [T, V]
 * @param attentions collect the attention patterns in the result
 * @param log        verbose mode (the seed's {@code verbose=True}): receives every node entered and left
 *                   and every cache hit and store with its key; null for silence
 */
public record RunOptions(boolean logits, boolean attentions, Consumer<String> log) {

    public static final RunOptions DEFAULT = new RunOptions(false, false, null);

    public RunOptions withLogits(boolean on) { return new RunOptions(on, attentions, log); }

    public RunOptions withAttentions(boolean on) { return new RunOptions(logits, on, log); }

    public RunOptions withLog(Consumer<String> sink) { return new RunOptions(logits, attentions, sink); }
}
