package nci.patching;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node of GPT-2's computation graph, as the seed (nano-causal-interventions) names it.
 * Nodes are immutable values with structural equality; inside the engine they are switched on
 * with patterns, and their string names ({@link #name()}, {@link #parse}) exist only for the boundary:
 * rule files, logs, rendered provenance.
 *
 * <pre>
 *   emb                 wte[ids] + wpe of the input that {@code which} picks
 *   aN                  residual stream after block N's attention add
 *   aN.resid            the residual part of a split aN (rendered only, never in a path)
 *   aN.head             block N's attention (ln_1, c_attn, causal softmax, c_proj)
 *   aN.headH            the input that feeds head H's q, k and v
 *   aN.headH.q|k|v      the input that feeds only head H's query / key / value
 *   aN.head.posP        row P of the attention's input stream
 *   fN                  residual stream after block N's MLP add
 *   fN.resid            the residual part of a split fN (rendered only)
 *   fN.head             block N's MLP (ln_2, c_fc, activation, c_proj)
 *   fN.head.posP        row P of the MLP's input stream
 *   ln_final            ln_f on the last block's output
 * </pre>
 */
public sealed interface Node {

    /** The seed's name of this node, e.g. {@code a2.head5.q}. */
    String name();

    /** Which of q, k, v a {@link HeadInput} feeds. */
    enum Qkv {
        Q("q"), K("k"), V("v");
        private final String suffix;
        Qkv(String suffix) { this.suffix = suffix; }
        public String suffix() { return suffix; }
    }

    record Embedding() implements Node {
        public String name() { return "emb"; }
    }

    record LnFinal() implements Node {
        public String name() { return "ln_final"; }
    }

    /** {@code aN}. */
    record Attn(int layer) implements Node {
        public Attn { checkIndex("layer", layer); }
        public String name() { return "a" + layer; }
    }

    /** {@code aN.resid}. */
    record AttnResid(int layer) implements Node {
        public AttnResid { checkIndex("layer", layer); }
        public String name() { return "a" + layer + ".resid"; }
    }

    /** {@code aN.head}. */
    record AttnHeads(int layer) implements Node {
        public AttnHeads { checkIndex("layer", layer); }
        public String name() { return "a" + layer + ".head"; }
    }

    /** {@code aN.headH}. */
    record AttnHead(int layer, int head) implements Node {
        public AttnHead { checkIndex("layer", layer); checkIndex("head", head); }
        public String name() { return "a" + layer + ".head" + head; }
    }

    /** {@code aN.headH.q}, {@code .k}, {@code .v}. */
    record HeadInput(int layer, int head, Qkv part) implements Node {
        public HeadInput {
            checkIndex("layer", layer); checkIndex("head", head);
            if (part == null) throw new IllegalArgumentException("head input part (q, k or v) missing");
        }
        public String name() { return "a" + layer + ".head" + head + "." + part.suffix(); }
    }

    /** {@code aN.head.posP}. */
    record AttnPos(int layer, int pos) implements Node {
        public AttnPos { checkIndex("layer", layer); checkIndex("position", pos); }
        public String name() { return "a" + layer + ".head.pos" + pos; }
    }

    /** {@code fN}. */
    record Mlp(int layer) implements Node {
        public Mlp { checkIndex("layer", layer); }
        public String name() { return "f" + layer; }
    }

    /** {@code fN.resid}. */
    record MlpResid(int layer) implements Node {
        public MlpResid { checkIndex("layer", layer); }
        public String name() { return "f" + layer + ".resid"; }
    }

    /** {@code fN.head}. */
    record MlpHead(int layer) implements Node {
        public MlpHead { checkIndex("layer", layer); }
        public String name() { return "f" + layer + ".head"; }
    }

    /** {@code fN.head.posP}. */
    record MlpPos(int layer, int pos) implements Node {
        public MlpPos { checkIndex("layer", layer); checkIndex("position", pos); }
        public String name() { return "f" + layer + ".head.pos" + pos; }
    }

    Embedding EMB = new Embedding();
    LnFinal LN_FINAL = new LnFinal();

    /** The layer this node belongs to, or -1 for {@code emb} and {@code ln_final}. */
    default int layer() {
        return switch (this) {
            case Embedding e -> -1;
            case LnFinal l -> -1;
            case Attn n -> n.layer();
            case AttnResid n -> n.layer();
            case AttnHeads n -> n.layer();
            case AttnHead n -> n.layer();
            case HeadInput n -> n.layer();
            case AttnPos n -> n.layer();
            case Mlp n -> n.layer();
            case MlpResid n -> n.layer();
            case MlpHead n -> n.layer();
            case MlpPos n -> n.layer();
        };
    }

    /**
     * Why this node cannot exist in a model with these dimensions (layer, head or position out of
     * range), or null if it fits.
     */
    default String misfit(int nLayer, int nHead, int T) {
        int layer = layer();
        if (layer >= nLayer) return "node '" + name() + "': layer " + layer + " out of range (model has " + nLayer + " layers)";
        int head = switch (this) {
            case AttnHead n -> n.head();
            case HeadInput n -> n.head();
            default -> -1;
        };
        if (head >= nHead) return "node '" + name() + "': head " + head + " out of range (model has " + nHead + " heads)";
        int pos = switch (this) {
            case AttnPos n -> n.pos();
            case MlpPos n -> n.pos();
            default -> -1;
        };
        if (pos >= T) return "node '" + name() + "': position " + pos + " out of range (inputs have " + T + " tokens)";
        return null;
    }

    /**
     * Parses a node name strictly: the result's {@link #name()} equals {@code s}
     * (no spaces, no leading zeros, no unknown suffixes).
     * @throws IllegalArgumentException naming the string when it is not a node name
     */
    static Node parse(String s) {
        if (s == null) throw new IllegalArgumentException("node name is null");
        if (s.equals("emb")) return EMB;
        if (s.equals("ln_final")) return LN_FINAL;
        Matcher m = Grammar.LAYERED.matcher(s);
        if (m.matches()) {
            boolean attn = m.group(1).equals("a");
            int layer = Integer.parseInt(m.group(2));
            String rest = m.group(3);
            switch (rest) {
                case "" -> { return attn ? new Attn(layer) : new Mlp(layer); }
                case ".resid" -> { return attn ? new AttnResid(layer) : new MlpResid(layer); }
                case ".head" -> { return attn ? new AttnHeads(layer) : new MlpHead(layer); }
                default -> { }
            }
            Matcher p = Grammar.POS_REST.matcher(rest);
            if (p.matches()) {
                int pos = Integer.parseInt(p.group(1));
                return attn ? new AttnPos(layer, pos) : new MlpPos(layer, pos);
            }
            Matcher h = Grammar.HEAD_REST.matcher(rest);
            if (attn && h.matches()) {
                int head = Integer.parseInt(h.group(1));
                if (h.group(3) == null) return new AttnHead(layer, head);
                Qkv part = switch (h.group(3)) {
                    case "q" -> Qkv.Q;
                    case "k" -> Qkv.K;
                    default -> Qkv.V;
                };
                return new HeadInput(layer, head, part);
            }
        }
        throw new IllegalArgumentException("unknown node name '" + s + "' (expected emb, ln_final, aN, aN.resid, aN.head, "
                + "aN.headH, aN.headH.q|k|v, aN.head.posP, fN, fN.resid, fN.head or fN.head.posP)");
    }

    private static void checkIndex(String what, int v) {
        if (v < 0) throw new IllegalArgumentException(what + " index must be >= 0, got " + v);
    }
}

/** The grammar of node names (no leading zeros, so a name has one spelling). */
final class Grammar {
    private Grammar() {}
    /** Groups: 1 a|f, 2 layer, 3 the rest. */
    static final Pattern LAYERED = Pattern.compile("([af])(0|[1-9][0-9]{0,8})(.*)");
    static final Pattern HEAD_REST = Pattern.compile("\\.head(0|[1-9][0-9]{0,8})(\\.([qkv]))?");
    static final Pattern POS_REST = Pattern.compile("\\.head\\.pos(0|[1-9][0-9]{0,8})");
}
