/**
 * Path patching on GPT-2: causal interventions that say, for every route through the network, which input
 * it reads.
 *
 * <h2>The method</h2>
 * Run the model on a <em>clean</em> input and on a <em>counterfactual</em> one (same token length), then
 * ask what happens when some part of the computation sees the counterfactual while the rest sees the clean
 * input. Following nano-causal-interventions (Arora), the network is evaluated top-down as a tree of calls,
 * from {@code ln_final} through {@code fN} (residual after block N's MLP) and {@code aN} (after its attention)
 * down to the embeddings ({@code emb}). See {@link nci.patching.Node} for every node.
 *
 * <h2>What a path is</h2>
 * A {@link nci.patching.Path} is the list of nodes the recursion went through to reach the node being
 * evaluated: {@code [ln_final, f1, a1, f0, a0, emb]} for a two-layer model without splits. One value
 * (say {@code f0}) can be reached along several paths, and each path can read a different input: that is
 * what "patching a path" means.
 *
 * <h2>What branch decides</h2>
 * {@link nci.patching.Branch} is asked at {@code aN}, {@code fN}, {@code aN.head}, {@code aN.headH} and
 * {@code fN.head} whether to split the computation there:
 * <ul>
 * <li>{@code aN} / {@code fN} split into the residual ({@code aN.resid}) and the block ({@code aN.head}).
 *     The residual part continues with the path <em>without</em> {@code aN} (the seed's {@code path[:-1]}),
 *     so a rule on {@code aN} reaches only the block part.</li>
 * <li>{@code aN.head} splits into heads (each head's q/k/v input evaluated under {@code aN.headH}) or into
 *     positions (row P of the attention's input evaluated under {@code aN.head.posP});
 *     {@code aN.headH} further into separate q, k, v inputs ({@code aN.headH.q|k|v}).</li>
 * <li>{@code fN.head} splits into positions ({@code fN.head.posP}).</li>
 * </ul>
 * Without splits there is one path per embedding; every split multiplies the paths below it.
 *
 * <h2>What which decides</h2>
 * {@link nci.patching.Which} is asked at every embedding with the complete path, and returns the index of
 * the input that path reads. The fixtures' declarative forms are {@link nci.patching.BranchRules} and
 * {@link nci.patching.WhichRules}; {@link nci.patching.Interventions} builds common experiments
 * (node × position, one head, one head's q/k/v, sender → receiver in the style of Wang et al.), and
 * {@link nci.patching.Sweeps} the standard sweeps. {@link nci.patching.PatchSpec} reads an experiment from JSON.
 *
 * <h2>What a cache key covers</h2>
 * {@link nci.patching.PatchEngine} evaluates the recursion symbolically first: the result is a graph of
 * operations (embedding, qkv, attention, MLP, residual add, position mix, ln_f), each identified by a
 * content {@link nci.patching.Key} per row. Row key t commits to the operation, its layer, and rows 0..t of
 * everything it was computed from, down to the model's {@link nci.patching.ModelDigest} and the input token
 * ids 0..t at the embeddings (GPT-2 is causal: nothing else influences row t). It does not cover the path,
 * the provenance or which input index a value came from: two routes that compute the same thing share one
 * key, so a split whose parts read the same input costs nothing, and patching a position before the first
 * token where the inputs differ is recognised as a no-op. The encoding is written down in
 * {@link nci.patching.Keys}. The {@link nci.patching.ActivationCache} stores values by key with an LRU byte
 * budget; a value whose leading row keys are cached reuses those rows and computes only the rest.
 * Results are bit-identical with the cache off, cold or warm.
 *
 * <h2>Batches and sweeps</h2>
 * A sweep is many experiments on the same inputs, and after reuse each of them recomputes only a few rows
 * (the rows at and after its patched position) of the layers at and above the patched one. One at a time, every
 * such matrix multiply would stream a whole weight matrix from memory for one to a few rows.
 * {@link nci.patching.PatchEngine#runAll} therefore evaluates the experiments together
 * (package-private {@code Materialiser}): first every experiment's graph symbolically, then the union of their
 * values, once per key, in layer-synchronous stages (layer by layer; qkv, attention, MLP), with the rows every
 * experiment needs at a stage stacked into one matrix and one GEMM per weight matrix; rows whose row key another
 * value of the stage computes are copied, not recomputed. Of the rows left, the row-wise stages (qkv, MLP) run each
 * distinct input row once, compared bit for bit (package-private {@code DistinctRows}): a row key commits to the rows
 * before it, so a position split's rows are new keys over rows the streams it draws from already have (in a
 * node × position sweep about one row in nine of those stages). {@link nci.patching.Sweeps} then computes the metrics'
 * logits with one LM-head product over the distinct results' distinct last rows. As only those last rows are read
 * (unless the sweep keeps the hidden states), the final layer's attention projection and MLP compute only the last
 * row (causal attention needs every row of its keys and values, so every other layer is computed whole); those
 * partial values are not cached. Any caller can ask for the same with {@link nci.patching.RunOptions#hiddenFrom}. With the cache off none of this happens: every experiment is computed on its own,
 * whole. Every GEMM output element is the same
 * whichever rows share the call (the tensor module's guarantee), so a batch gives exactly the bits of its
 * experiments run one by one, with the cache on or off. From a layer's second pass on (a second batch, sweep or
 * experiment over the model), the stages multiply by its weights packed once into the GEMM's micro-panel layout
 * ({@code Gpt2Model.packedLayerOnReuse}: a copy of the layer matrices in native memory, 340 MB for GPT-2 small, kept for the
 * model's life) rather than packing B in every product; same bits, and off with {@code -Dnci.packWeights=false} or
 * when the copies would come to more than a third of the maximum heap. A model with a packed copy from a file attached
 * ({@code Gpt2Model.usePackedWeights}, {@code PackedWeights}: the commands keep one per model in a cache folder)
 * multiplies over that from its first product on instead, and builds no copy of its own.
 *
 * <h2>What a result holds</h2>
 * {@link nci.patching.PatchResult}: the final hidden states, optional logits, the attention patterns, and
 * the {@link nci.patching.Provenance} tree, which renders exactly as the seed's {@code path} and exports to
 * Graphviz DOT.
 */
package nci.patching;
