package nci.tools.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A self-contained HTML report of a path-patching study: title, model, prompts with their tokens, headline
 * findings, sections (text, heatmaps, tables), and optionally the computation graph.
 *
 * <p>The page needs nothing but itself: styles are inline, heatmaps are inline SVG or {@code data:} PNGs, the graph
 * is inline SVG, there are no scripts, fonts or links to other resources, so it reads the same offline and
 * years later. Every string from user data is escaped. The output is also well-formed XML (XHTML syntax with an
 * HTML5 doctype), which keeps it easy to check and to post-process.
 *
 * <pre>{@code
 * String html = Report.builder("IOI: name mover heads")
 *     .model("gpt2", "607a30d")
 *     .clean("When Mary and John went to the store, John gave a drink to", cleanTokens)
 *     .counterfactual("When Mary and John went to the store, Mary gave a drink to", cfTokens)
 *     .finding("Patching a9.head9 alone recovers 61% of the logit difference.")
 *     .section(Section.of("Heads", "Effect of patching each head's output.", heatmap))
 *     .graph("Patched paths", dot)
 *     .build().html();
 * }</pre>
 */
public final class Report {
    private final String title;
    private final String model;
    private final String revision;
    private final List<Prompt> prompts;
    private final List<String> findings;
    private final List<Table> findingTables;
    private final List<Section> sections;
    private final List<Graph> graphs;

    /** A computation graph: its DOT source and, when Graphviz was available, its rendering ("" otherwise). */
    public record Graph(String caption, String dot, String svg) {
        public Graph {
            if (caption == null || dot == null || svg == null) {
                throw new IllegalArgumentException("graph: caption, dot and svg must not be null (caption=" + caption + ")");
            }
        }
    }

    private Report(Builder b) {
        title = b.title;
        model = b.model;
        revision = b.revision;
        prompts = List.copyOf(b.prompts);
        findings = List.copyOf(b.findings);
        findingTables = List.copyOf(b.findingTables);
        sections = List.copyOf(b.sections);
        graphs = List.copyOf(b.graphs);
    }

    public static Builder builder(String title) {
        return new Builder(title);
    }

    public List<Graph> graphs() { return graphs; }

    public void write(Path file) throws IOException {
        Files.writeString(file, html(), StandardCharsets.UTF_8);
    }

    /** The whole page. */
    public String html() {
        StringBuilder b = new StringBuilder(1 << 16);
        b.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>").append(Text.escape(title)).append("</title>\n")
                .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        b.append("<header>\n<h1>").append(Text.escape(title)).append("</h1>\n");
        if (!model.isEmpty() || !revision.isEmpty()) {
            b.append("<p class=\"meta\">Model <code>").append(Text.escape(model)).append("</code>");
            if (!revision.isEmpty()) b.append(" at revision <code>").append(Text.escape(revision)).append("</code>");
            b.append("</p>\n");
        }
        b.append("</header>\n");

        if (!prompts.isEmpty()) {
            b.append("<section class=\"prompts\">\n<h2>Prompts</h2>\n");
            for (Prompt p : prompts) appendPrompt(b, p);
            b.append("</section>\n");
        }
        if (!findings.isEmpty() || !findingTables.isEmpty()) {
            b.append("<section class=\"findings\">\n<h2>Findings</h2>\n");
            if (!findings.isEmpty()) {
                b.append("<ul>\n");
                for (String f : findings) b.append("<li>").append(Text.escape(f)).append("</li>\n");
                b.append("</ul>\n");
            }
            for (Table t : findingTables) appendTable(b, t);
            b.append("</section>\n");
        }
        for (Section s : sections) {
            b.append("<section>\n<h2>").append(Text.escape(s.heading())).append("</h2>\n");
            for (Block block : s.blocks()) appendBlock(b, block);
            b.append("</section>\n");
        }
        for (Graph g : graphs) appendGraph(b, g);
        b.append("</main>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void appendPrompt(StringBuilder b, Prompt p) {
        b.append("<div class=\"prompt\">\n<div class=\"prompt-label\">").append(Text.escape(p.label()))
                .append("</div>\n<p class=\"prompt-text\">").append(Text.escape(p.text())).append("</p>\n");
        if (!p.tokens().isEmpty()) {
            b.append("<div class=\"tokens\">");
            for (int i = 0; i < p.tokens().size(); i++) {
                b.append("<span class=\"tok\"><span class=\"ti\">").append(i).append("</span>")
                        .append(Text.escape(Text.visible(p.tokens().get(i)))).append("</span>");
            }
            b.append("</div>\n<p class=\"note\">").append(p.tokens().size())
                    .append(" tokens; \u2423 marks a space.</p>\n");
        }
        b.append("</div>\n");
    }

    private static void appendBlock(StringBuilder b, Block block) {
        switch (block) {
            case Block.Paragraph p -> b.append("<p>").append(Text.escape(p.text())).append("</p>\n");
            case Block.Preformatted p -> b.append("<pre>").append(Text.escape(p.text())).append("</pre>\n");
            case Table t -> appendTable(b, t);
            case Block.Figure f -> appendFigure(b, f);
        }
    }

    private static void appendFigure(StringBuilder b, Block.Figure f) {
        Heatmap h = f.heatmap();
        b.append("<figure>\n");
        switch (f.embed().resolve(h)) {
            case SVG -> b.append("<div class=\"svg\">").append(h.toSvg()).append("</div>\n");
            case PNG -> {
                Heatmap.Layout l = h.layout();
                b.append("<img src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(h.toPngBytes()))
                        .append("\" width=\"").append(l.width()).append("\" height=\"").append(l.height())
                        .append("\" alt=\"").append(Text.escape(h.title())).append("\"/>\n");
            }
            case AUTO -> throw new IllegalStateException("Embed.AUTO must resolve to SVG or PNG");
        }
        if (!f.caption().isEmpty()) b.append("<figcaption>").append(Text.escape(f.caption())).append("</figcaption>\n");
        b.append("</figure>\n");
    }

    private static void appendTable(StringBuilder b, Table t) {
        b.append("<div class=\"table\"><table>\n");
        if (!t.caption().isEmpty()) b.append("<caption>").append(Text.escape(t.caption())).append("</caption>\n");
        if (!t.header().isEmpty()) {
            b.append("<thead><tr>");
            for (String h : t.header()) b.append("<th>").append(Text.escape(h)).append("</th>");
            b.append("</tr></thead>\n");
        }
        b.append("<tbody>\n");
        for (List<String> row : t.rows()) {
            b.append("<tr>");
            for (String c : row) b.append("<td>").append(Text.escape(c)).append("</td>");
            b.append("</tr>\n");
        }
        b.append("</tbody>\n</table></div>\n");
    }

    private static void appendGraph(StringBuilder b, Graph g) {
        b.append("<section class=\"graph\">\n<h2>").append(Text.escape(g.caption().isEmpty() ? "Computation graph" : g.caption()))
                .append("</h2>\n");
        if (!g.svg().isEmpty()) {
            b.append("<div class=\"svg\">").append(g.svg()).append("</div>\n");
        } else {
            b.append("<p class=\"note\">Graphviz <code>dot</code> was not available when this report was built; "
                    + "the DOT source below can be rendered with <code>dot -Tsvg</code>.</p>\n");
        }
        b.append("<details><summary>DOT source</summary>\n<pre>").append(Text.escape(g.dot())).append("</pre>\n</details>\n")
                .append("</section>\n");
    }

    /** No '&lt;' or '&amp;' in here: the page must stay well-formed XML. */
    private static final String CSS = """
            body { margin: 0; background: #fafafa; color: #222;
                   font: 15px/1.5 'DejaVu Sans', 'Segoe UI', Helvetica, Arial, sans-serif; }
            main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; background: #fff; }
            h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
            h2 { font-size: 1.25em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
            code, pre, .tok, .prompt-text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
            .meta { color: #555; margin: 0; }
            .prompt { margin: 0.8em 0; }
            .prompt-label { font-weight: bold; text-transform: capitalize; }
            .prompt-text { white-space: pre-wrap; background: #f4f4f4; padding: 6px 10px; margin: 0.3em 0; }
            .tokens { display: flex; flex-wrap: wrap; gap: 4px; }
            .tok { border: 1px solid #bbb; border-radius: 3px; padding: 1px 5px; white-space: pre; background: #fff; }
            .ti { color: #888; font-size: 0.75em; margin-right: 4px; }
            .note { color: #666; font-size: 0.85em; }
            figure { margin: 1em 0; }
            figure img, .svg svg { max-width: 100%; height: auto; }
            .svg { overflow-x: auto; }
            figcaption { color: #555; font-size: 0.9em; }
            .table { overflow-x: auto; }
            table { border-collapse: collapse; margin: 0.8em 0; font-variant-numeric: tabular-nums; }
            caption { text-align: left; color: #555; padding-bottom: 4px; }
            th, td { border: 1px solid #ddd; padding: 3px 10px; }
            th { background: #f0f0f0; }
            td + td { text-align: right; }
            pre { background: #f4f4f4; padding: 8px 10px; overflow-x: auto; }
            """;

    public static final class Builder {
        private final String title;
        private String model = "", revision = "";
        private final List<Prompt> prompts = new ArrayList<>();
        private final List<String> findings = new ArrayList<>();
        private final List<Table> findingTables = new ArrayList<>();
        private final List<Section> sections = new ArrayList<>();
        private final List<String[]> graphSources = new ArrayList<>();
        private Graphviz graphviz;
        private final List<Graph> graphs = new ArrayList<>();   // filled by build()

        private Builder(String title) {
            if (title == null) throw new IllegalArgumentException("report title must not be null");
            this.title = title;
        }

        public Builder model(String name, String revision) {
            this.model = nonNull(name, "model name");
            this.revision = nonNull(revision, "model revision");
            return this;
        }

        public Builder prompt(Prompt p) {
            prompts.add(p);
            return this;
        }

        public Builder clean(String text, List<String> tokens) {
            return prompt(new Prompt("clean", text, tokens));
        }

        public Builder counterfactual(String text, List<String> tokens) {
            return prompt(new Prompt("counterfactual", text, tokens));
        }

        /** One headline finding, as a sentence. */
        public Builder finding(String sentence) {
            findings.add(nonNull(sentence, "finding"));
            return this;
        }

        /** A small table shown with the findings. */
        public Builder findings(Table table) {
            findingTables.add(table);
            return this;
        }

        public Builder section(Section s) {
            sections.add(s);
            return this;
        }

        /** A computation graph in DOT; rendered to SVG at {@link #build()} when Graphviz is available. */
        public Builder graph(String caption, String dot) {
            graphSources.add(new String[] {nonNull(caption, "graph caption"), nonNull(dot, "graph DOT source")});
            return this;
        }

        /** The Graphviz used for graphs; default {@link Graphviz#onPath()}. */
        public Builder graphviz(Graphviz g) {
            graphviz = g;
            return this;
        }

        public Report build() {
            Graphviz gv = graphviz != null ? graphviz : graphSources.isEmpty() ? null : Graphviz.onPath();
            graphs.clear();
            for (String[] g : graphSources) graphs.add(new Graph(g[0], g[1], gv.toSvg(g[1]).orElse("")));
            return new Report(this);
        }

        private String nonNull(String s, String what) {
            if (s == null) throw new IllegalArgumentException("report '" + title + "': " + what + " must not be null");
            return s;
        }
    }
}
