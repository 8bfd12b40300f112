package nci.tools;

/** Parsing of comma-separated token ids from the command line. */
final class Ids {
    private Ids() {}

    static int[] parse(String csv, String option) {
        String s = csv.trim();
        if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
        if (s.isBlank()) throw new IllegalArgumentException(option + ": no token ids given");
        String[] parts = s.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + parts[i].trim() + "' (item " + i + ") is not a token id");
            }
            if (ids[i] < 0) throw new IllegalArgumentException(option + ": token id " + ids[i] + " (item " + i + ") is negative");
        }
        return ids;
    }
}
