package nci.tools.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A labelled matrix of numbers drawn as coloured cells: e.g. patching effect per (position, node), 12 × 4;
 * per (layer, head), 2 × 4; or per (position, neuron), up to 12 × 1024.
 *
 * <p>{@code values} is {@code [rows][cols]}: row {@code r} is labelled {@code rowLabels.get(r)} and drawn top to
 * bottom; column {@code c} is {@code columnLabels.get(c)}, left to right. NaN marks an empty cell (drawn hatched
 * grey, listed as "empty" in the legend); infinities are rejected. Labels are shown in their {@linkplain
 * Text#visible visible form} (a token " cat" reads "␣cat"); labels longer than 28 characters are cut with '…'.
 *
 * <p>{@code cellFormat} is a {@link java.util.Formatter} pattern such as {@code "%.2f"} for the number written in
 * each cell (Locale.ROOT), or "" for none; the text is drawn only when the cells are large enough to hold it.
 *
 * <p>Rendering: {@link #toSvg()} and {@link #toImage()} share one layout (see {@link HeatmapPainter}), so the
 * SVG and the PNG show the same picture with the same pixel geometry.
 *
 * <p>The array is copied on construction and by {@link #values()}; equality of two heatmaps is therefore
 * identity of their arrays, as for any record holding an array.
 */
public record Heatmap(String title, String rowAxis, String columnAxis, List<String> rowLabels,
                      List<String> columnLabels, double[][] values, ColorScale scale, String scaleCaption,
                      String cellFormat) {

    public Heatmap {
        title = require(title, "title", "?");
        String where = "heatmap '" + title + "'";
        rowAxis = require(rowAxis, "rowAxis", title);
        columnAxis = require(columnAxis, "columnAxis", title);
        scaleCaption = require(scaleCaption, "scaleCaption", title);
        cellFormat = cellFormat == null ? "" : cellFormat;
        if (rowLabels == null || columnLabels == null || values == null || scale == null) {
            throw new IllegalArgumentException(where + ": rowLabels, columnLabels, values and scale must not be null");
        }
        rowLabels = List.copyOf(rowLabels);
        columnLabels = List.copyOf(columnLabels);
        if (rowLabels.isEmpty() || columnLabels.isEmpty()) {
            throw new IllegalArgumentException(where + ": expected at least one row and one column, got "
                    + rowLabels.size() + " row labels and " + columnLabels.size() + " column labels");
        }
        if (values.length != rowLabels.size()) {
            throw new IllegalArgumentException(where + ": values has " + values.length + " rows but there are "
                    + rowLabels.size() + " row labels");
        }
        double[][] copy = new double[values.length][];
        for (int r = 0; r < values.length; r++) {
            if (values[r] == null || values[r].length != columnLabels.size()) {
                throw new IllegalArgumentException(where + ": values row " + r + " (" + rowLabels.get(r) + ") has "
                        + (values[r] == null ? "null" : values[r].length + " values") + ", expected "
                        + columnLabels.size() + " (one per column label)");
            }
            copy[r] = values[r].clone();
            for (int c = 0; c < copy[r].length; c++) {
                if (Double.isInfinite(copy[r][c])) {
                    throw new IllegalArgumentException(where + ": value at row " + r + " (" + rowLabels.get(r)
                            + "), column " + c + " (" + columnLabels.get(c) + ") is " + copy[r][c]
                            + "; expected a finite number or NaN for an empty cell");
                }
            }
        }
        values = copy;
        if (!cellFormat.isEmpty()) {
            try {
                String.format(Locale.ROOT, cellFormat, 0.5);
            } catch (IllegalFormatException e) {
                throw new IllegalArgumentException(where + ": cellFormat '" + cellFormat
                        + "' is not a Formatter pattern for one double, e.g. \"%.2f\": " + e.getMessage(), e);
            }
        }
    }

    private static String require(String s, String field, String title) {
        if (s == null) throw new IllegalArgumentException("heatmap '" + title + "': " + field + " must not be null (use \"\")");
        return s;
    }

    @Override
    public double[][] values() {
        double[][] copy = new double[values.length][];
        for (int r = 0; r < values.length; r++) copy[r] = values[r].clone();
        return copy;
    }

    public int rows() { return values.length; }

    public int columns() { return values[0].length; }

    /** The value at (r, c) without copying the matrix. */
    public double value(int r, int c) { return values[r][c]; }

    /** The text written in a cell, or "" when there is no cell format or the cell is empty. */
    public String cellText(int r, int c) {
        double v = values[r][c];
        return cellFormat.isEmpty() || Double.isNaN(v) ? "" : String.format(Locale.ROOT, cellFormat, v);
    }

    /** A self-contained SVG document (no XML prolog, so it can also be inlined into HTML). */
    public String toSvg() {
        HeatmapPainter p = new HeatmapPainter(this);
        SvgCanvas canvas = new SvgCanvas(p.width(), p.height(), title);
        p.paint(canvas, true);
        return canvas.finish();
    }

    /** The same picture as {@link #toSvg()}, as an RGB image of size {@link #layout()}. */
    public BufferedImage toImage() {
        HeatmapPainter p = new HeatmapPainter(this);
        PngCanvas canvas = new PngCanvas(p.width(), p.height());
        p.paint(canvas, false);
        return canvas.finish();
    }

    public byte[] toPngBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(toImage(), "png", out)) throw new IllegalStateException("no PNG writer in this JDK");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public void writeSvg(Path file) throws IOException {
        Files.writeString(file, toSvg(), StandardCharsets.UTF_8);
    }

    public void writePng(Path file) throws IOException {
        Files.write(file, toPngBytes());
    }

    /** Geometry of the rendered picture (image size and cell positions), identical for SVG and PNG. */
    public Layout layout() {
        return new HeatmapPainter(this).layout();
    }

    /**
     * Rendered geometry: image {@code width × height} pixels; cell (r, c) covers x in
     * [{@code xEdges[c]}, {@code xEdges[c+1]}) and y in [{@code yEdges[r]}, {@code yEdges[r+1]}).
     */
    public record Layout(int width, int height, int[] xEdges, int[] yEdges) {
        public int cellCenterX(int c) { return (xEdges[c] + xEdges[c + 1] - 1) / 2; }

        public int cellCenterY(int r) { return (yEdges[r] + yEdges[r + 1] - 1) / 2; }
    }

    public static Builder builder(String title) {
        return new Builder(title);
    }

    /** Builder with defaults: no axis titles, sequential scale over the data, no caption, no cell text. */
    public static final class Builder {
        private final String title;
        private String rowAxis = "", columnAxis = "", scaleCaption = "", cellFormat = "";
        private List<String> rowLabels, columnLabels;
        private double[][] values;
        private ColorScale scale;
        private boolean diverging;

        private Builder(String title) { this.title = title; }

        public Builder rows(String axis, List<String> labels) { rowAxis = axis; rowLabels = labels; return this; }

        public Builder columns(String axis, List<String> labels) { columnAxis = axis; columnLabels = labels; return this; }

        public Builder values(double[][] v) { values = v; return this; }

        /** Fixed scale. */
        public Builder scale(ColorScale s) { scale = s; return this; }

        /** Sequential [0, 1] (probabilities). */
        public Builder probability() { scale = ColorScale.probability(); return this; }

        /** Sequential over the data's range (the default). */
        public Builder sequential() { scale = null; diverging = false; return this; }

        /** Diverging, symmetric around 0, reaching the data's largest |value|. */
        public Builder diverging() { scale = null; diverging = true; return this; }

        public Builder scaleCaption(String caption) { scaleCaption = caption; return this; }

        public Builder cellFormat(String format) { cellFormat = format; return this; }

        public Heatmap build() {
            if (values == null) throw new IllegalArgumentException("heatmap '" + title + "': values not set");
            ColorScale s = scale != null ? scale : diverging ? ColorScale.divergingOf(values) : ColorScale.sequentialOf(values);
            return new Heatmap(title, rowAxis, columnAxis, rowLabels, columnLabels, values, s, scaleCaption, cellFormat);
        }
    }
}
