package nci.patching;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The sequence of nodes from {@code ln_final} down to the node being evaluated, exactly as the seed
 * builds it: each call appends its own node and hands the result to the calls for its inputs. A split
 * {@code aN}/{@code fN} hands its residual part the path <em>without</em> itself (the seed's
 * {@code path[:-1]}), so a rule on {@code aN} reaches only the attention part of a split {@code aN}.
 * Immutable.
 */
public record Path(List<Node> nodes) {

    public Path {
        nodes = List.copyOf(nodes);
    }

    public static final Path EMPTY = new Path(List.of());

    public static Path of(Node... nodes) { return new Path(List.of(nodes)); }

    /** This path with {@code more} appended. */
    public Path append(Node... more) {
        List<Node> out = new ArrayList<>(nodes.size() + more.length);
        out.addAll(nodes);
        for (Node n : more) out.add(n);
        return new Path(out);
    }

    /** The seed's {@code path[:-1]}. */
    public Path withoutLast() {
        if (nodes.isEmpty()) throw new IllegalStateException("empty path has no last node");
        return new Path(nodes.subList(0, nodes.size() - 1));
    }

    /** The node the path ends in (the one being asked about). */
    public Node last() {
        if (nodes.isEmpty()) throw new IllegalStateException("empty path has no last node");
        return nodes.getLast();
    }

    /** Whether {@code node} is an element of the path (the seed's {@code name in path}). */
    public boolean contains(Node node) { return nodes.contains(node); }

    public int size() { return nodes.size(); }

    /** Names joined by spaces, as the seed's verbose mode prints them. */
    @Override
    public String toString() {
        return nodes.stream().map(Node::name).collect(Collectors.joining(" "));
    }
}
