package nci.patching;

import java.util.function.Consumer;

/**
 * Per-run options.
 *
 * @param logits     also compute logits [T, V]
 * @param attentions collect the attention patterns in the result
 * @param log        verbose mode (the seed's {@code verbose=True}): receives every node entered and left
 *                   and every cache hit and store with its key; null for silence
 * @param hiddenFrom the first row of the final hidden states (and logits) the caller will read; 0 for all. Rows
 *                   before it are left out wherever that saves work (the final layer's attention projection and
 *                   MLP: every layer below is needed whole by causal attention) and then hold NaN, never numbers
 *                   that look computed; values with rows left out are not cached. A sweep reading the last
 *                   position asks for {@code T - 1}. Rows from {@code hiddenFrom} on keep their bits.
 */
public record RunOptions(boolean logits, boolean attentions, Consumer<String> log, int hiddenFrom) {

    public RunOptions {
        if (hiddenFrom < 0) throw new IllegalArgumentException("hiddenFrom = " + hiddenFrom + ": must be a row index >= 0");
    }

    public static final RunOptions DEFAULT = new RunOptions(false, false, null, 0);

    public RunOptions withLogits(boolean on) { return new RunOptions(on, attentions, log, hiddenFrom); }

    public RunOptions withAttentions(boolean on) { return new RunOptions(logits, on, log, hiddenFrom); }

    public RunOptions withLog(Consumer<String> sink) { return new RunOptions(logits, attentions, sink, hiddenFrom); }

    public RunOptions withHiddenFrom(int row) { return new RunOptions(logits, attentions, log, row); }
}
