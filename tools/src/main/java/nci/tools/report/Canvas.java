package nci.tools.report;

/**
 * The few drawing primitives a heatmap needs. {@link HeatmapPainter} computes the layout once and draws through
 * this interface, so the SVG and the PNG have exactly the same geometry. Coordinates are pixels, origin top left;
 * text {@code y} is the baseline; colours are 0xRRGGBB.
 */
interface Canvas {

    enum Anchor { START, MIDDLE, END }

    void fillRect(int x, int y, int w, int h, int rgb);

    void strokeRect(int x, int y, int w, int h, int rgb);

    void line(int x1, int y1, int x2, int y2, int rgb);

    /** Draws {@code s} anchored at (x, y), rotated by {@code degrees} (negative = counter-clockwise) around that point. */
    void text(String s, double x, double y, int size, boolean bold, Anchor anchor, int degrees, int rgb);

    /** Starts a cell; SVG attaches {@code tooltip} to it (ignored by PNG). */
    default void cell(int x, int y, int w, int h, int rgb, String tooltip) {
        fillRect(x, y, w, h, rgb);
    }
}
