package nci.tools.report;

import java.util.List;

/**
 * Lays out and draws a {@link Heatmap} on a {@link Canvas}. All geometry is decided here, once, in whole pixels.
 *
 * <pre>
 *  title
 *  row  row    ┌──────── grid ────────┐   ┌─┐ tick
 *  axis labels │ rows × cols cells    │   │ │ tick    colour bar + ticks
 *              └──────────────────────┘   └─┘ tick
 *               column labels (rotated     caption
 *               when wider than a cell)    [▨] empty
 *                 column axis
 * </pre>
 *
 * Cells aim at 34–90 × 24 px and shrink (to ≥ 1 px) so the grid stays within about 1600 × 1000 px; cell edges are
 * rounded per cell, so fractional cell sizes still tile the grid exactly. When cells are smaller than a text line
 * only every k-th label is drawn (k = 1, 2, 5, 10, 20, ...). Text is monospace and its width is estimated as
 * 0.62 em per character (DejaVu Sans Mono is 0.602 em), so the layout needs no font metrics and is the same for
 * SVG and PNG.
 */
final class HeatmapPainter {
    static final int MARGIN = 12;
    static final int FONT = 12;
    static final int TITLE_FONT = 15;
    static final int CELL_FONT = 11;
    static final int MAX_LABEL = 28;
    static final double MAX_GRID_W = 1600;
    static final double MAX_GRID_H = 1000;
    static final int BAR_W = 14;
    static final int EMPTY_FILL = 0xe6e6e6;
    static final int EMPTY_HATCH = 0xa8a8a8;
    static final int INK = 0x222222;
    static final int FRAME = 0x555555;
    /** Above this many cells the SVG gets no per-cell tooltips, to keep it small. */
    static final int TOOLTIP_CELLS = 2500;

    private final Heatmap h;
    private final String[] rowText, colText;
    private final int rowStep, colStep;
    private final boolean rotateColumns;
    private final int[] xEdges, yEdges;
    private final int gridX, gridY, gridW, gridH;
    private final int colLabelBand;
    private final int barX, barY, barH;
    private final List<Double> ticks;
    private final boolean hasEmpty;
    private final boolean cellText;
    private final int width, height;

    HeatmapPainter(Heatmap h) {
        this.h = h;
        int rows = h.rows(), cols = h.columns();
        rowText = labels(h.rowLabels());
        colText = labels(h.columnLabels());

        int textW = 0;
        boolean empty = false;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (Double.isNaN(h.value(r, c))) empty = true;
                textW = Math.max(textW, textWidth(h.cellText(r, c), CELL_FONT));
            }
        }
        hasEmpty = empty;
        int maxColLabelW = maxWidth(colText, 1, FONT);
        int prefW = Math.max(34, textW + 6);
        if (maxColLabelW + 8 <= 90) prefW = Math.max(prefW, maxColLabelW + 8);
        prefW = Math.min(prefW, 90);
        double cellW = Math.max(1, Math.min(prefW, MAX_GRID_W / cols));
        double cellH = Math.max(1, Math.min(h.cellFormat().isEmpty() ? 24 : Math.max(24, CELL_FONT + 8), MAX_GRID_H / rows));

        int titleBand = TITLE_FONT + 12;
        int rowAxisBand = h.rowAxis().isEmpty() ? 0 : FONT + 10;
        int colAxisBand = h.columnAxis().isEmpty() ? 0 : FONT + 12;
        int line = FONT + 2;
        rotateColumns = maxColLabelW + 4 > cellW;
        colStep = rotateColumns ? niceStep(line / cellW) : 1;
        rowStep = niceStep(line / cellH);
        int rowLabelBand = maxWidth(rowText, rowStep, FONT) + 8;
        colLabelBand = rotateColumns ? maxWidth(colText, colStep, FONT) + 8 : FONT + 8;

        gridX = MARGIN + rowAxisBand + rowLabelBand;
        gridY = MARGIN + titleBand;
        xEdges = new int[cols + 1];
        yEdges = new int[rows + 1];
        for (int c = 0; c <= cols; c++) xEdges[c] = gridX + (int) Math.round(c * cellW);
        for (int r = 0; r <= rows; r++) yEdges[r] = gridY + (int) Math.round(r * cellH);
        gridW = xEdges[cols] - gridX;
        gridH = yEdges[rows] - gridY;
        cellText = !h.cellFormat().isEmpty() && textW + 4 <= (int) cellW && CELL_FONT + 4 <= (int) cellH;

        barX = gridX + gridW + 24;
        barY = gridY;
        barH = Math.max(120, Math.min(gridH, 320));
        ticks = h.scale().ticks();
        int tickW = 0;
        for (double t : ticks) tickW = Math.max(tickW, textWidth(h.scale().tickLabel(t), FONT));
        int captionW = textWidth(h.scaleCaption(), FONT);
        int right = Math.max(barX + BAR_W + 8 + tickW, barX + Math.max(captionW, hasEmpty ? 24 + textWidth("empty", FONT) : 0));
        int bottomGrid = gridY + gridH + colLabelBand + colAxisBand;
        int bottomBar = barY + barH + (h.scaleCaption().isEmpty() ? 0 : FONT + 8) + (hasEmpty ? FONT + 10 : 0);
        width = Math.max(Math.max(right, MARGIN + textWidth(h.title(), TITLE_FONT)),
                gridX + gridW / 2 + textWidth(h.columnAxis(), FONT) / 2) + MARGIN;
        height = Math.max(bottomGrid, bottomBar) + MARGIN;
    }

    int width() { return width; }

    int height() { return height; }

    Heatmap.Layout layout() {
        return new Heatmap.Layout(width, height, xEdges.clone(), yEdges.clone());
    }

    void paint(Canvas g, boolean tooltips) {
        int rows = h.rows(), cols = h.columns();
        g.text(h.title(), MARGIN, MARGIN + TITLE_FONT, TITLE_FONT, true, Canvas.Anchor.START, 0, INK);

        boolean tips = tooltips && (long) rows * cols <= TOOLTIP_CELLS;
        for (int r = 0; r < rows; r++) {
            int y = yEdges[r], ch = yEdges[r + 1] - y;
            for (int c = 0; c < cols; c++) {
                int x = xEdges[c], cw = xEdges[c + 1] - x;
                if (cw <= 0 || ch <= 0) continue;
                double v = h.value(r, c);
                String tip = tips ? rowText[r] + " / " + colText[c] + " = "
                        + (Double.isNaN(v) ? "empty" : Double.toString(v)) : null;
                if (Double.isNaN(v)) {
                    g.cell(x, y, cw, ch, EMPTY_FILL, tip);
                    if (cw >= 4 && ch >= 4) g.line(x, y + ch - 1, x + cw - 1, y, EMPTY_HATCH);
                    continue;
                }
                int rgb = h.scale().rgb(v);
                g.cell(x, y, cw, ch, rgb, tip);
                if (cellText) {
                    g.text(h.cellText(r, c), x + cw / 2.0, y + ch / 2.0 + 0.35 * CELL_FONT, CELL_FONT, false,
                            Canvas.Anchor.MIDDLE, 0, ColorScale.textColorOn(rgb));
                }
            }
        }
        g.strokeRect(gridX - 1, gridY - 1, gridW + 1, gridH + 1, FRAME);

        for (int r = 0; r < rows; r += rowStep) {
            double cy = (yEdges[r] + yEdges[r + 1]) / 2.0;
            g.text(rowText[r], gridX - 6, cy + 0.35 * FONT, FONT, false, Canvas.Anchor.END, 0, INK);
        }
        int labelTop = gridY + gridH + 5;
        for (int c = 0; c < cols; c += colStep) {
            double cx = (xEdges[c] + xEdges[c + 1]) / 2.0;
            if (rotateColumns) {
                // Reads bottom to top and ends just under the grid; +0.35 em centres the glyphs on the column.
                g.text(colText[c], cx + 0.35 * FONT, labelTop, FONT, false, Canvas.Anchor.END, -90, INK);
            } else {
                g.text(colText[c], cx, labelTop + FONT, FONT, false, Canvas.Anchor.MIDDLE, 0, INK);
            }
        }
        if (!h.columnAxis().isEmpty()) {
            g.text(h.columnAxis(), gridX + gridW / 2.0, gridY + gridH + colLabelBand + FONT + 2, FONT, true,
                    Canvas.Anchor.MIDDLE, 0, INK);
        }
        if (!h.rowAxis().isEmpty()) {
            g.text(h.rowAxis(), MARGIN + FONT, gridY + gridH / 2.0, FONT, true, Canvas.Anchor.MIDDLE, -90, INK);
        }
        paintColorBar(g);
    }

    private void paintColorBar(Canvas g) {
        ColorScale s = h.scale();
        // One strip per pixel row, top = max; runs of equal colour merged to keep the SVG small.
        int runStart = 0, runRgb = s.rgbAtFraction(1 - 0.5 / barH);
        for (int py = 1; py <= barH; py++) {
            int rgb = py < barH ? s.rgbAtFraction(1 - (py + 0.5) / barH) : -1;
            if (rgb != runRgb) {
                g.fillRect(barX, barY + runStart, BAR_W, py - runStart, runRgb);
                runStart = py;
                runRgb = rgb;
            }
        }
        g.strokeRect(barX - 1, barY - 1, BAR_W + 1, barH + 1, FRAME);
        for (double t : ticks) {
            int py = barY + (int) Math.round((1 - s.fraction(t)) * (barH - 1));
            g.line(barX + BAR_W, py, barX + BAR_W + 4, py, FRAME);
            g.text(s.tickLabel(t), barX + BAR_W + 7, py + 0.35 * FONT, FONT, false, Canvas.Anchor.START, 0, INK);
        }
        int y = barY + barH + 6;
        if (!h.scaleCaption().isEmpty()) {
            g.text(h.scaleCaption(), barX, y + FONT, FONT, false, Canvas.Anchor.START, 0, INK);
            y += FONT + 8;
        }
        if (hasEmpty) {
            g.fillRect(barX, y + 2, BAR_W, FONT, EMPTY_FILL);
            g.line(barX, y + 2 + FONT - 1, barX + BAR_W - 1, y + 2, EMPTY_HATCH);
            g.strokeRect(barX - 1, y + 1, BAR_W + 1, FONT + 1, FRAME);
            g.text("empty", barX + 24, y + 2 + FONT - 2, FONT, false, Canvas.Anchor.START, 0, INK);
        }
    }

    private static String[] labels(List<String> raw) {
        String[] out = new String[raw.size()];
        for (int i = 0; i < out.length; i++) out[i] = Text.truncate(Text.visible(raw.get(i)), MAX_LABEL);
        return out;
    }

    private static int maxWidth(String[] labels, int step, int size) {
        int w = 0;
        for (int i = 0; i < labels.length; i += step) w = Math.max(w, textWidth(labels[i], size));
        return w;
    }

    static int textWidth(String s, int size) {
        return (int) Math.ceil(Text.columns(s) * size * 0.62);
    }

    /** Smallest of 1, 2, 5, 10, 20, 50, ... that is ≥ {@code k}. */
    static int niceStep(double k) {
        int base = 1;
        while (true) {
            if (base >= k) return base;
            if (2 * base >= k) return 2 * base;
            if (5 * base >= k) return 5 * base;
            base *= 10;
        }
    }
}
