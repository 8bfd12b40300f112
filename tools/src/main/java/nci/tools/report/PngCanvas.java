package nci.tools.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;

/**
 * {@link Canvas} drawing into a {@link BufferedImage} (TYPE_INT_RGB, white background) with Graphics2D.
 * Text is antialiased; shapes are not, so cell fills are exact colours on whole pixels.
 */
final class PngCanvas implements Canvas {
    static {
        // Rendering must work on servers without a display; this must be set before AWT initialises.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private final BufferedImage image;
    private final Graphics2D g;

    PngCanvas(int width, int height) {
        image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
    }

    @Override
    public void fillRect(int x, int y, int w, int h, int rgb) {
        g.setColor(new Color(rgb));
        g.fillRect(x, y, w, h);
    }

    @Override
    public void strokeRect(int x, int y, int w, int h, int rgb) {
        g.setColor(new Color(rgb));
        g.drawRect(x, y, w, h);
    }

    @Override
    public void line(int x1, int y1, int x2, int y2, int rgb) {
        g.setColor(new Color(rgb));
        g.drawLine(x1, y1, x2, y2);
    }

    @Override
    public void text(String s, double x, double y, int size, boolean bold, Anchor anchor, int degrees, int rgb) {
        // Logical "Monospaced" maps to DejaVu Sans Mono on Linux and falls back per glyph (e.g. for '␣').
        Font font = new Font(Font.MONOSPACED, bold ? Font.BOLD : Font.PLAIN, size);
        g.setFont(font);
        g.setColor(new Color(rgb));
        FontMetrics fm = g.getFontMetrics();
        double w = fm.getStringBounds(s, g).getWidth();
        double dx = switch (anchor) {
            case START -> 0;
            case MIDDLE -> -w / 2;
            case END -> -w;
        };
        AffineTransform saved = g.getTransform();
        if (degrees != 0) g.rotate(Math.toRadians(degrees), x, y);
        g.drawString(s, (float) (x + dx), (float) y);
        g.setTransform(saved);
    }

    BufferedImage finish() {
        g.dispose();
        return image;
    }
}
