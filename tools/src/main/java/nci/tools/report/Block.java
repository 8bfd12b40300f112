package nci.tools.report;

/** One piece of content in a report section, rendered in order. All strings are escaped when written. */
public sealed interface Block permits Block.Paragraph, Block.Figure, Block.Preformatted, Table {

    /** A paragraph of plain text (not HTML). */
    record Paragraph(String text) implements Block {
        public Paragraph {
            if (text == null) throw new IllegalArgumentException("paragraph text must not be null");
        }
    }

    /** A heatmap with an optional caption ("" for none). */
    record Figure(Heatmap heatmap, Embed embed, String caption) implements Block {
        public Figure {
            if (heatmap == null) throw new IllegalArgumentException("figure: heatmap must not be null");
            if (embed == null) throw new IllegalArgumentException("figure '" + heatmap.title() + "': embed must not be null");
            if (caption == null) caption = "";
        }

        public Figure(Heatmap heatmap) {
            this(heatmap, Embed.AUTO, "");
        }
    }

    /** Monospace text shown as is (e.g. a spec or a log excerpt). */
    record Preformatted(String text) implements Block {
        public Preformatted {
            if (text == null) throw new IllegalArgumentException("preformatted text must not be null");
        }
    }
}
