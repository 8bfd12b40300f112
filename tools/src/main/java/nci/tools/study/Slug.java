package nci.tools.study;

/** File-name-safe slugs: lower-case letters, digits, '_' and '-' only. */
final class Slug {
    private Slug() {}

    static String of(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 40; i++) {
            char c = s.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') sb.append(c);
            else if (c >= 'A' && c <= 'Z') sb.append((char) (c - 'A' + 'a'));
            else if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != '-') sb.append('-');
        }
        while (!sb.isEmpty() && sb.charAt(sb.length() - 1) == '-') sb.setLength(sb.length() - 1);
        return sb.isEmpty() ? "x" : sb.toString();
    }
}
