package nci.tools.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A table of text cells: {@code header} (may be empty for no header row) and {@code rows}, each as wide as the
 * header when there is one, all equally wide otherwise. {@code caption} may be "".
 */
public record Table(String caption, List<String> header, List<List<String>> rows) implements Block {

    public Table {
        if (caption == null) caption = "";
        if (header == null || rows == null) {
            throw new IllegalArgumentException("table '" + caption + "': header and rows must not be null");
        }
        header = List.copyOf(header);
        List<List<String>> copy = new ArrayList<>(rows.size());
        int width = header.isEmpty() ? (rows.isEmpty() ? 0 : rows.getFirst().size()) : header.size();
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row == null || row.size() != width) {
                throw new IllegalArgumentException("table '" + caption + "': row " + r + " has "
                        + (row == null ? "null" : row.size() + " cells") + ", expected " + width);
            }
            copy.add(List.copyOf(row));
        }
        rows = List.copyOf(copy);
    }

    /**
     * A table of numbers: first column {@code rowLabels}, header {@code corner} then {@code columnLabels}, cells
     * {@code values[r][c]} formatted with {@code format} (e.g. "%.3f", Locale.ROOT); NaN is shown as "–".
     * Labels are shown in visible form (a token " cat" reads "␣cat").
     */
    public static Table numbers(String caption, String corner, List<String> rowLabels, List<String> columnLabels,
                                double[][] values, String format) {
        if (values.length != rowLabels.size()) {
            throw new IllegalArgumentException("table '" + caption + "': " + values.length + " rows of values for "
                    + rowLabels.size() + " row labels");
        }
        List<String> header = new ArrayList<>();
        header.add(corner);
        for (String c : columnLabels) header.add(Text.visible(c));
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < values.length; r++) {
            if (values[r].length != columnLabels.size()) {
                throw new IllegalArgumentException("table '" + caption + "': row " + r + " (" + rowLabels.get(r)
                        + ") has " + values[r].length + " values, expected " + columnLabels.size());
            }
            List<String> row = new ArrayList<>();
            row.add(Text.visible(rowLabels.get(r)));
            for (double v : values[r]) row.add(Double.isNaN(v) ? "\u2013" : String.format(Locale.ROOT, format, v));
            rows.add(row);
        }
        return new Table(caption, header, rows);
    }
}
