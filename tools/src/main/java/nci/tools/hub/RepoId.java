package nci.tools.hub;

import java.util.regex.Pattern;

/**
 * A hub model repository id, {@code name} or {@code org/name}, validated by the rules the hub and
 * {@code huggingface_hub} apply: one or two parts of letters, digits, {@code _ . -}, each starting and ending with a
 * letter, digit or underscore, no {@code --} or {@code ..}, at most 96 characters.
 *
 * @param value the id as typed, e.g. {@code gpt2} or {@code openai-community/gpt2}
 */
public record RepoId(String value) {

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?");
    private static final int MAX_LENGTH = 96;

    public RepoId {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("repository id is empty: expected 'name' or 'org/name'");
        }
        if (!isValid(value)) {
            throw new IllegalArgumentException("invalid repository id '" + value + "': expected 'name' or 'org/name' of"
                    + " letters, digits, '_', '.', '-' (no '--' or '..', at most " + MAX_LENGTH + " characters)");
        }
    }

    /** True when {@code s} is a well-formed repository id (so it can be told apart from a file path). */
    public static boolean isValid(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_LENGTH || s.contains("--") || s.contains("..")) {
            return false;
        }
        String[] parts = s.split("/", -1);
        if (parts.length > 2) {
            return false;
        }
        for (String p : parts) {
            if (!PART.matcher(p).matches()) {
                return false;
            }
        }
        return true;
    }

    /** The cache folder name, as huggingface_hub spells it: {@code models--org--name}. */
    public String cacheFolderName() {
        return "models--" + value.replace("/", "--");
    }

    @Override
    public String toString() {
        return value;
    }
}
