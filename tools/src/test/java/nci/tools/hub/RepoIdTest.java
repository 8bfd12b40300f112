package nci.tools.hub;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepoIdTest {

    @Test
    void acceptsHubNames() {
        for (String s : new String[]{"gpt2", "distilgpt2", "openai-community/gpt2", "a", "org_x/m.v1-2", "E/b"}) {
            assertTrue(RepoId.isValid(s), s);
        }
    }

    @Test
    void rejectsPathsAndMalformedNames() {
        for (String s : new String[]{"", "a/b/c", "a--b", "a..b", "-a", "a-", ".a", "/a", "a/", "a b", "./gpt2",
                "../x", "C:\\m", "x".repeat(97)}) {
            assertFalse(RepoId.isValid(s), s);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RepoId("a/b/c"));
        assertTrue(e.getMessage().contains("'a/b/c'"), e.getMessage());
    }

    @Test
    void cacheFolderNameMatchesHuggingfaceHub() {
        assertEquals("models--gpt2", new RepoId("gpt2").cacheFolderName());
        assertEquals("models--openai-community--gpt2", new RepoId("openai-community/gpt2").cacheFolderName());
    }
}
