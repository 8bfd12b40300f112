/**
 * Pictures and pages for path-patching results.
 *
 * <ul>
 *   <li>{@link nci.tools.report.Heatmap}: a labelled {@code [rows][cols]} matrix (positions × nodes, layers × heads,
 *       positions × neurons) drawn with a {@link nci.tools.report.ColorScale} (sequential for probabilities,
 *       diverging around 0 for effects), to SVG and to PNG with the same layout.</li>
 *   <li>{@link nci.tools.report.Report}: one self-contained {@code report.html} (no network, no scripts) with the
 *       model, the clean and counterfactual prompts and their tokens, headline findings, sections of text,
 *       heatmaps and {@link nci.tools.report.Table}s, and the computation graph (DOT, drawn by
 *       {@link nci.tools.report.Graphviz} when {@code dot} is installed).</li>
 * </ul>
 *
 * Typical use, after a sweep that measured the effect of patching each node at each position:
 * <pre>{@code
 * Heatmap h = Heatmap.builder("Logit difference recovered")
 *     .rows("position", tokens)              // e.g. [" When", " Mary", ...]: shown as "␣When", "␣Mary"
 *     .columns("node", nodeNames)            // e.g. ["a0.head0", ..., "m1"]
 *     .values(effect)                        // double[positions][nodes], NaN = not measured
 *     .diverging().scaleCaption("logit diff (patched − clean)").cellFormat("%.2f")
 *     .build();
 * h.writeSvg(dir.resolve("effect.svg"));
 * h.writePng(dir.resolve("effect.png"));
 * Report.builder("IOI path patching").model("gpt2", revision)
 *     .clean(cleanText, cleanTokens).counterfactual(cfText, cfTokens)
 *     .finding("...")
 *     .section(Section.of("Effect per node", "What was patched and how it was measured.", h))
 *     .graph("Computation graph", dot)
 *     .build().write(dir.resolve("report.html"));
 * }</pre>
 */
package nci.tools.report;
