package nci.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ColorScaleTest {

    static void assertRgb(int expected, int actual, String what) {
        assertEquals(expected, actual, () -> what + ": expected " + ColorScale.hex(expected) + " got " + ColorScale.hex(actual));
    }

    @Test
    void sequentialEndsAndMidpointAreExactPaletteStops() {
        ColorScale s = ColorScale.sequential(-2, 6);
        assertRgb(0x440154, s.rgb(-2), "min");
        assertRgb(0xfde725, s.rgb(6), "max");
        assertRgb(0x21918c, s.rgb(2), "midpoint");   // stop 4 of 9
        assertRgb(0x440154, s.rgb(-100), "below min clamps");
        assertRgb(0xfde725, s.rgb(1e9), "above max clamps");
    }

    @Test
    void sequentialInterpolatesBetweenStopsPerChannel() {
        ColorScale s = ColorScale.probability();
        // 1/16 is halfway between stop 0 (0x440154) and stop 1 (0x472d7b):
        // r (68+71)/2 = 69.5 -> 70, g (1+45)/2 = 23, b (84+123)/2 = 103.5 -> 104 (rounded half up).
        assertRgb((70 << 16) | (23 << 8) | 104, s.rgb(1.0 / 16), "1/16");
        assertEquals(0.25, s.fraction(0.25), 0);
    }

    @Test
    void divergingKeepsZeroNeutralEvenWhenAsymmetric() {
        ColorScale s = ColorScale.diverging(-0.5, 2);
        assertRgb(0x2166ac, s.rgb(-0.5), "min");
        assertRgb(0xb2182b, s.rgb(2), "max");
        assertRgb(0xf7f7f7, s.rgb(0), "zero");
        assertEquals(0.25, s.fraction(-0.25), 1e-15);
        assertEquals(0.75, s.fraction(1), 1e-15);
        // Stop 6 (0xf4a582) sits at fraction 6/8 = 0.75, i.e. value 1.
        assertRgb(0xf4a582, s.rgb(1), "value 1");
    }

    @Test
    void computedRanges() {
        double[][] v = {{0.1, Double.NaN, -3}, {2, 0.5, 1}};
        assertEquals(new ColorScale(ColorScale.Kind.SEQUENTIAL, -3, 2), ColorScale.sequentialOf(v));
        assertEquals(ColorScale.diverging(3), ColorScale.divergingOf(v));
        assertEquals(ColorScale.diverging(1), ColorScale.divergingOf(new double[][] {{0, Double.NaN}}));
        assertEquals(ColorScale.probability(), ColorScale.sequentialOf(new double[][] {{Double.NaN}}));
        ColorScale constant = ColorScale.sequentialOf(new double[][] {{4, 4}});
        assertTrue(constant.min() < 4 && constant.max() > 4, constant.toString());
    }

    @Test
    void ticksAreNiceAndLabelled() {
        assertEquals(List.of(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), roundAll(ColorScale.probability().ticks()));
        ColorScale d = ColorScale.diverging(2.3);
        assertEquals(List.of(-2.0, -1.0, 0.0, 1.0, 2.0), roundAll(d.ticks()));
        assertEquals("0.4", ColorScale.probability().tickLabel(0.4));
        assertEquals("-2", d.tickLabel(-2));
        assertEquals("0", d.tickLabel(0));
    }

    private static List<Double> roundAll(List<Double> ticks) {
        return ticks.stream().map(t -> Math.round(t * 1e9) / 1e9).toList();
    }

    @Test
    void rejectsBadRangesAndNaN() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ColorScale.diverging(0.5, 2));
        assertTrue(e.getMessage().contains("min < 0 < max"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ColorScale.sequential(1, 1));
        assertThrows(IllegalArgumentException.class, () -> ColorScale.sequential(0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> ColorScale.probability().rgb(Double.NaN));
    }

    @Test
    void textColourContrasts() {
        assertRgb(0xffffff, ColorScale.textColorOn(0x440154), "on dark purple");
        assertRgb(0x000000, ColorScale.textColorOn(0xfde725), "on yellow");
    }
}
