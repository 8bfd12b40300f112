package nci.tools.report;

/** How a heatmap is put into the HTML report. Either way the page needs no other file. */
public enum Embed {
    /** {@link #SVG} up to {@value #AUTO_SVG_MAX_CELLS} cells, {@link #PNG} beyond (a 12 × 1024 SVG is over 1 MB). */
    AUTO,
    /** The SVG element inline in the page: sharp at any zoom, per-cell tooltips. */
    SVG,
    /** An {@code <img>} with a {@code data:image/png;base64,} URI. */
    PNG;

    public static final int AUTO_SVG_MAX_CELLS = 4096;

    Embed resolve(Heatmap h) {
        if (this != AUTO) return this;
        return (long) h.rows() * h.columns() <= AUTO_SVG_MAX_CELLS ? SVG : PNG;
    }
}
