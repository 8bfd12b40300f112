package nci.patching;

import java.util.List;
import nci.patching.Node.AttnHead;
import nci.patching.Node.AttnHeads;
import nci.patching.Node.AttnPos;
import nci.patching.Node.HeadInput;
import nci.patching.Node.MlpHead;
import nci.patching.Node.MlpPos;

/**
 * Readable builders for the common experiments. Each returns the branch/which pair that expresses it;
 * {@code base} is the input everything else reads (usually 0, the clean run) and {@code from} the input
 * patched in (usually 1, the counterfactual). The declarative ones return {@link BranchRules} and
 * {@link WhichRules}, so they can be printed as JSON.
 */
public final class Interventions {
    private Interventions() {}

    /** No branching: a plain forward of input {@code k}. */
    public static Intervention plain(int k) {
        return new Intervention(new BranchRules(List.of()), new WhichRules(List.of(), k));
    }

    /**
     * Node {@code aN} (attention) or {@code fN} (MLP) at position {@code pos} reads input {@code from}, all else
     * {@code base}: the seed's {@code intervene_node_and_pos} rules, {@code branch: [{at: node, value: positions},
     * {at: node.head, value: positions}]}, {@code which: [{if_in_path: node.head.posP, input: from}], default base}.
     */
    public static Intervention nodeAtPosition(Node node, int pos, int from, int base) {
        Node head;
        Node posNode;
        switch (node) {
            case Node.Attn a -> { head = new AttnHeads(a.layer()); posNode = new AttnPos(a.layer(), pos); }
            case Node.Mlp f -> { head = new MlpHead(f.layer()); posNode = new MlpPos(f.layer(), pos); }
            default -> throw new IllegalArgumentException("nodeAtPosition: node must be aN or fN, got '" + node.name() + "'");
        }
        return new Intervention(
                BranchRules.of(new BranchRules.Rule(node, Split.POSITIONS, List.of()), new BranchRules.Rule(head, Split.POSITIONS, List.of())),
                new WhichRules(List.of(new WhichRules.Rule(posNode, from)), base));
    }

    /** Head {@code head} of layer {@code layer} reads input {@code from} (q, k and v, at every position), all else {@code base}. */
    public static Intervention head(int layer, int head, int from, int base) {
        return new Intervention(
                BranchRules.of(new BranchRules.Rule(new Node.Attn(layer), Split.SPLIT, List.of()),
                        new BranchRules.Rule(new AttnHeads(layer), Split.HEADS, List.of())),
                new WhichRules(List.of(new WhichRules.Rule(new AttnHead(layer, head), from)), base));
    }

    /** Only the query (key, value) input of one head reads input {@code from}, all else {@code base}. */
    public static Intervention headInput(int layer, int head, Node.Qkv part, int from, int base) {
        return new Intervention(
                BranchRules.of(new BranchRules.Rule(new Node.Attn(layer), Split.SPLIT, List.of()),
                        new BranchRules.Rule(new AttnHeads(layer), Split.HEADS, List.of()),
                        new BranchRules.Rule(new AttnHead(layer, head), Split.SPLIT, List.of())),
                new WhichRules(List.of(new WhichRules.Rule(new HeadInput(layer, head, part), from)), base));
    }

    /** A sender in {@link #senderToReceiver}: one attention head, or one MLP. */
    public sealed interface Sender {
        int layer();
        record Head(int layer, int head) implements Sender {}
        record Mlp(int layer) implements Sender {}
    }

    /** A receiver in {@link #senderToReceiver}: one head's q, k or v input, or the final residual stream. */
    public sealed interface Receiver {
        record HeadPart(int layer, int head, Node.Qkv part) implements Receiver {}
        record Final() implements Receiver {}
    }

    /**
     * Path patching in the style of Wang et al. (2022): the effect of sender S on receiver R through the
     * direct path only; S's output reads input {@code from} where it reaches R, every other path reads {@code base}.
     *
     * <p>How it is expressed: R's input is isolated by splitting {@code aR} (residual | heads), {@code aR.head}
     * into heads and {@code aR.headH} into q/k/v (for the final residual there is nothing to isolate). Below R
     * (in paths that contain R's node), every block between S and R is split into residual and head,
     * {@code aS.head} into heads for an attention sender, so the pure residual chain from R down to S is a path
     * of its own. {@code which} returns {@code from} exactly for paths that contain R's node and S's node
     * ({@code aS.headH} or {@code fS.head}) and no head node of a block between them ({@code aM.head}, M in
     * (S, R); {@code fM.head}, M in [S, R), except S itself when S is that MLP): the direct path. A split whose
     * two parts read the same input is, by content key, the unsplit computation, so the extra splits cost
     * nothing in clean regions.
     */
    public static Intervention senderToReceiver(Sender sender, Receiver receiver, int nLayer, int from, int base) {
        int ls = sender.layer();
        int lr = switch (receiver) {
            case Receiver.HeadPart r -> r.layer();
            case Receiver.Final f -> nLayer;                       // "layer L": above every block
        };
        if (ls < 0 || ls >= nLayer) throw new IllegalArgumentException("sender layer " + ls + " out of range [0, " + nLayer + ")");
        if (receiver instanceof Receiver.HeadPart r && (r.layer() >= nLayer))
            throw new IllegalArgumentException("receiver layer " + r.layer() + " out of range [0, " + nLayer + ")");
        boolean attnSender = sender instanceof Sender.Head;
        if (attnSender ? ls >= lr : ls >= lr)
            throw new IllegalArgumentException("sender (layer " + ls + ") must be below the receiver (layer " + lr + ")");
        Node senderNode = switch (sender) {
            case Sender.Head h -> new AttnHead(h.layer(), h.head());
            case Sender.Mlp m -> new MlpHead(m.layer());
        };
        Node receiverNode = receiver instanceof Receiver.HeadPart r ? new HeadInput(r.layer(), r.head(), r.part()) : null;

        Which which = path -> {
            if (receiverNode != null && !path.contains(receiverNode)) return base;
            if (!path.contains(senderNode)) return base;
            return blocked(path, ls, lr, attnSender) ? base : from;
        };
        Branch branch = path -> {
            Node last = path.last();
            if (receiver instanceof Receiver.HeadPart r) {
                if (last.equals(new Node.Attn(r.layer()))) return Split.SPLIT;
                if (last.equals(new AttnHeads(r.layer()))) return Split.HEADS;
                if (last.equals(new AttnHead(r.layer(), r.head()))) return Split.SPLIT;
                if (!path.contains(receiverNode)) return Split.NONE;
            }
            if (blocked(path, ls, lr, attnSender)) return Split.NONE;
            return switch (last) {
                case Node.Mlp f when f.layer() >= ls && f.layer() < lr -> Split.SPLIT;
                case Node.Attn a when a.layer() > ls && a.layer() < lr -> Split.SPLIT;
                case Node.Attn a when a.layer() == ls && attnSender -> Split.SPLIT;
                case AttnHeads a when a.layer() == ls && attnSender -> Split.HEADS;
                default -> Split.NONE;
            };
        };
        return new Intervention(branch, which);
    }

    /** Whether the path passes through a block strictly between sender and receiver (an indirect path). */
    private static boolean blocked(Path path, int ls, int lr, boolean attnSender) {
        for (Node n : path.nodes()) {
            switch (n) {
                case AttnHeads a when a.layer() > ls && a.layer() < lr -> { return true; }
                case MlpHead f when f.layer() > ls && f.layer() < lr -> { return true; }
                case MlpHead f when f.layer() == ls && attnSender -> { return true; }
                default -> { }
            }
        }
        return false;
    }
}
