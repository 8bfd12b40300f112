package nci.patching;

/**
 * The engine's computation graph: what a value is computed from, with its row keys (see {@link Keys}).
 * Built symbolically while the seed's recursion is followed, interned by key (equal keys: one op), and
 * only then materialised. Every value is [T, width] (width E, or 3E for qkv). Package-private.
 */
sealed interface Op {

    /** Row keys, one per token position; the last is the key of the whole value. */
    Key[] rows();

    default Key key() { return rows()[rows().length - 1]; }

    /** wte[ids] + wpe[0..T-1] of input {@code input}. */
    record Emb(int input, int[] ids, Key[] rows) implements Op {}

    /** ln_1(in) · c_attn + b: [T, 3E], columns [q | k | v]. */
    record Qkv(int layer, Op in, Key[] rows) implements Op {}

    /** Causal attention, head h reading q from q[h], k from k[h], v from v[h] (each a Qkv), merged, c_proj: [T, E]. */
    record Attn(int layer, Qkv[] q, Qkv[] k, Qkv[] v, Key[] rows) implements Op {}

    /** c_proj(act(c_fc(ln_2(in)))): [T, E]. */
    record Mlp(int layer, Op in, Key[] rows) implements Op {}

    /** a + b: [T, E]. */
    record Add(Op a, Op b, Key[] rows) implements Op {}

    /** Row t taken from perRow[t]: the seed's position split of a stream. */
    record Mix(Op[] perRow, Key[] rows) implements Op {}

    /** ln_f(in): [T, E]. */
    record LnF(Op in, Key[] rows) implements Op {}
}
