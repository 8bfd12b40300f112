package nci.patching;

import java.util.List;

/**
 * What one experiment computed.
 *
 * @param T          token count of the inputs
 * @param nEmbd      width E
 * @param hidden     final hidden states [T, E], after ln_f (the seed's {@code res.hidden_states})
 * @param logits     [T, V] = hidden · lm_headᵀ, or null if not requested
 * @param attentions attention patterns of every distinct attention computation, in evaluation order
 * @param provenance the computation graph, as the seed records it (render it for the seed's {@code path})
 * @param key        content key of the final hidden states
 * @param stats      what this run computed and reused
 */
public record PatchResult(int T, int nEmbd, float[] hidden, float[] logits, List<AttentionPattern> attentions,
                          Provenance provenance, Key key, RunStats stats) {

    public PatchResult {
        if (hidden == null || hidden.length != T * nEmbd)
            throw new IllegalArgumentException("hidden states must be [" + T + ", " + nEmbd + "]");
        attentions = List.copyOf(attentions);
    }

    /**
     * Counters of one run. {@code values}: distinct values (ops) the experiment consists of;
     * {@code computed}: values computed at least in part; {@code cacheHits}: values served whole by the
     * cache; {@code partialHits}: values whose leading rows came from the cache; {@code rowsComputed},
     * {@code rowsReused}: rows of cacheable values (qkv, attention, MLP) computed / taken from the cache.
     */
    public record RunStats(int values, int computed, int cacheHits, int partialHits, long rowsComputed, long rowsReused) {}
}
