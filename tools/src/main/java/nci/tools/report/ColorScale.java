package nci.tools.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Maps a value to a colour.
 *
 * <ul>
 *   <li>{@link Kind#SEQUENTIAL} (probabilities, magnitudes): {@code min} gets the first palette colour, {@code max}
 *       the last, linearly in between. Palette: viridis (dark purple → yellow), perceptually uniform and readable
 *       in grey scale.</li>
 *   <li>{@link Kind#DIVERGING} (effects, logit differences): 0 always gets the middle colour (near white),
 *       {@code min} (&lt; 0) the first (blue), {@code max} (&gt; 0) the last (red). Each side is linear on its own
 *       ("two-slope"), so an asymmetric range such as [-0.5, 2] still keeps 0 white. Palette: ColorBrewer RdBu.</li>
 * </ul>
 *
 * Values outside [min, max] are clamped to the end colours; NaN has no colour (renderers draw empty cells).
 * Colours are 0xRRGGBB ints, interpolated per channel in sRGB between equally spaced palette stops and rounded
 * half up.
 */
public record ColorScale(Kind kind, double min, double max) {

    public enum Kind { SEQUENTIAL, DIVERGING }

    /** viridis sampled at 9 equally spaced points: stop 4 is the exact midpoint. */
    static final int[] VIRIDIS = {
        0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};

    /** ColorBrewer RdBu (9 classes) reversed: negative = blue, 0 = stop 4 (near white), positive = red. */
    static final int[] BLUE_WHITE_RED = {
        0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b};

    public ColorScale {
        if (kind == null) throw new IllegalArgumentException("colour scale: kind must not be null");
        if (!Double.isFinite(min) || !Double.isFinite(max) || !(min < max)) {
            throw new IllegalArgumentException("colour scale: expected finite min < max, got min=" + min + " max=" + max);
        }
        if (kind == Kind.DIVERGING && !(min < 0 && max > 0)) {
            throw new IllegalArgumentException(
                    "diverging colour scale: expected min < 0 < max (0 is the neutral colour), got min=" + min + " max=" + max);
        }
    }

    /** Sequential scale over [0, 1], for probabilities. */
    public static ColorScale probability() {
        return new ColorScale(Kind.SEQUENTIAL, 0, 1);
    }

    public static ColorScale sequential(double min, double max) {
        return new ColorScale(Kind.SEQUENTIAL, min, max);
    }

    /** Diverging scale symmetric around 0: [-limit, limit]. */
    public static ColorScale diverging(double limit) {
        return new ColorScale(Kind.DIVERGING, -limit, limit);
    }

    public static ColorScale diverging(double min, double max) {
        return new ColorScale(Kind.DIVERGING, min, max);
    }

    /**
     * Sequential scale over the finite values of {@code values} (NaN cells ignored). A constant matrix gets a
     * range padded around its value; an all-NaN matrix gets [0, 1].
     */
    public static ColorScale sequentialOf(double[][] values) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            }
        }
        if (lo > hi) return probability();
        if (lo == hi) {
            double pad = lo == 0 ? 0.5 : Math.abs(lo) * 0.5;
            return sequential(lo - pad, hi + pad);
        }
        return sequential(lo, hi);
    }

    /** Diverging scale symmetric around 0 reaching the largest |value| (NaN ignored); all zero or NaN → [-1, 1]. */
    public static ColorScale divergingOf(double[][] values) {
        double limit = 0;
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isFinite(v)) limit = Math.max(limit, Math.abs(v));
            }
        }
        return diverging(limit > 0 ? limit : 1);
    }

    int[] palette() {
        return kind == Kind.SEQUENTIAL ? VIRIDIS : BLUE_WHITE_RED;
    }

    /** Position of {@code value} along the palette, in [0, 1] (clamped). NaN → IllegalArgumentException. */
    public double fraction(double value) {
        if (Double.isNaN(value)) throw new IllegalArgumentException("colour scale: NaN has no colour (empty cell)");
        double v = Math.max(min, Math.min(max, value));
        if (kind == Kind.SEQUENTIAL) return (v - min) / (max - min);
        return v < 0 ? 0.5 * (v - min) / -min : 0.5 + 0.5 * v / max;
    }

    /** Colour (0xRRGGBB) of {@code value}. */
    public int rgb(double value) {
        return rgbAtFraction(fraction(value));
    }

    /** Colour at position {@code f} in [0, 1] along the palette (used by the colour bar). */
    public int rgbAtFraction(double f) {
        int[] p = palette();
        double t = Math.max(0, Math.min(1, f)) * (p.length - 1);
        int i = Math.min((int) Math.floor(t), p.length - 2);
        double w = t - i;
        int a = p[i], b = p[i + 1];
        int r = mix((a >> 16) & 0xff, (b >> 16) & 0xff, w);
        int g = mix((a >> 8) & 0xff, (b >> 8) & 0xff, w);
        int bl = mix(a & 0xff, b & 0xff, w);
        return (r << 16) | (g << 8) | bl;
    }

    private static int mix(int a, int b, double w) {
        return (int) Math.round(a + (b - a) * w);
    }

    /** "#rrggbb". */
    public static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xffffff);
    }

    /**
     * Tick values for the legend: multiples of a "nice" step (1, 2 or 5 × 10^k) giving about five ticks inside
     * [min, max]; always includes 0 for a diverging scale.
     */
    public List<Double> ticks() {
        double step = niceStep((max - min) / 5);
        List<Double> ticks = new ArrayList<>();
        long first = (long) Math.ceil(min / step - 1e-9);
        long last = (long) Math.floor(max / step + 1e-9);
        for (long k = first; k <= last; k++) {
            double t = k * step;
            ticks.add(Math.abs(t) < step * 1e-9 ? 0.0 : t);
        }
        return ticks;
    }

    /** Tick label text: as many decimals as the tick step needs, scientific for very large/small scales. */
    public String tickLabel(double value) {
        double step = niceStep((max - min) / 5);
        double mag = Math.max(Math.abs(min), Math.abs(max));
        if (step < 1e-4 || mag >= 1e6) return String.format(Locale.ROOT, "%.2g", value);
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static double niceStep(double raw) {
        double exp = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / exp;
        double nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
        return nice * exp;
    }

    /** Black or white, whichever reads better on {@code rgb} (Rec. 601 luma). */
    static int textColorOn(int rgb) {
        double luma = 0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
        return luma > 140 ? 0x000000 : 0xffffff;
    }
}
