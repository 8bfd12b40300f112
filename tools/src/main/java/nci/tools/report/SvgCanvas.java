package nci.tools.report;

import java.util.Locale;

/** {@link Canvas} writing SVG 1.1 elements into a string; every text is XML-escaped. */
final class SvgCanvas implements Canvas {
    static final String FONT_FAMILY = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

    private final StringBuilder b = new StringBuilder(1 << 14);
    private final int width;
    private final int height;

    SvgCanvas(int width, int height, String title) {
        this.width = width;
        this.height = height;
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" font-family=\"").append(FONT_FAMILY).append("\">\n");
        b.append("<title>");
        Text.appendEscaped(b, title);
        b.append("</title>\n");
        b.append("<rect x=\"0\" y=\"0\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" fill=\"#ffffff\"/>\n");
    }

    @Override
    public void fillRect(int x, int y, int w, int h, int rgb) {
        rect(x, y, w, h, rgb);
        b.append("/>\n");
    }

    private void rect(int x, int y, int w, int h, int rgb) {
        b.append("<rect x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"").append(w)
                .append("\" height=\"").append(h).append("\" fill=\"").append(ColorScale.hex(rgb))
                .append("\" shape-rendering=\"crispEdges\"");
    }

    @Override
    public void cell(int x, int y, int w, int h, int rgb, String tooltip) {
        rect(x, y, w, h, rgb);
        if (tooltip == null) {
            b.append("/>\n");
        } else {
            b.append("><title>");
            Text.appendEscaped(b, tooltip);
            b.append("</title></rect>\n");
        }
    }

    @Override
    public void strokeRect(int x, int y, int w, int h, int rgb) {
        // Half-pixel offset puts the 1px stroke on pixel centres, as Graphics2D.drawRect does.
        b.append(String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"%s\" stroke-width=\"1\"/>\n",
                x + 0.5, y + 0.5, w, h, ColorScale.hex(rgb)));
    }

    @Override
    public void line(int x1, int y1, int x2, int y2, int rgb) {
        b.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n",
                x1 + 0.5, y1 + 0.5, x2 + 0.5, y2 + 0.5, ColorScale.hex(rgb)));
    }

    @Override
    public void text(String s, double x, double y, int size, boolean bold, Anchor anchor, int degrees, int rgb) {
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\"", x, y, size));
        if (bold) b.append(" font-weight=\"bold\"");
        if (anchor != Anchor.START) b.append(" text-anchor=\"").append(anchor == Anchor.MIDDLE ? "middle" : "end").append('"');
        if (degrees != 0) b.append(String.format(Locale.ROOT, " transform=\"rotate(%d %.1f %.1f)\"", degrees, x, y));
        if (rgb != 0) b.append(" fill=\"").append(ColorScale.hex(rgb)).append('"');
        // Keep runs of spaces in cell text and labels exactly as given.
        b.append(" xml:space=\"preserve\">");
        Text.appendEscaped(b, s);
        b.append("</text>\n");
    }

    String finish() {
        return b + "</svg>\n";
    }

    int width() { return width; }

    int height() { return height; }
}
