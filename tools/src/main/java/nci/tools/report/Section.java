package nci.tools.report;

import java.util.List;

/** A report section: a heading and its blocks, in order. */
public record Section(String heading, List<Block> blocks) {
    public Section {
        if (heading == null || blocks == null) {
            throw new IllegalArgumentException("section: heading and blocks must not be null (heading=" + heading + ")");
        }
        blocks = List.copyOf(blocks);
    }

    public static Section of(String heading, Block... blocks) {
        return new Section(heading, List.of(blocks));
    }

    /** The common case: a paragraph and a heatmap under a heading. */
    public static Section of(String heading, String paragraph, Heatmap heatmap) {
        return new Section(heading, List.of(new Block.Paragraph(paragraph), new Block.Figure(heatmap)));
    }
}
