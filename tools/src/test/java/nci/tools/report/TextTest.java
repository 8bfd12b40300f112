package nci.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextTest {
    @Test
    void visibleMarksLeadingAndTrailingSpacesOnly() {
        assertEquals("\u2423cat", Text.visible(" cat"));
        assertEquals("\u2423\u2423x\u2423", Text.visible("  x "));
        assertEquals("layer 3", Text.visible("layer 3"));
        assertEquals("\u2423\u2423", Text.visible("  "));
        assertEquals("\u21B5", Text.visible("\n"));
        assertEquals("a\u2192b", Text.visible("a\tb"));
        assertEquals("\u2400", Text.visible("\u0000"));
    }

    @Test
    void escapeCoversMarkupAndInvalidXmlCharacters() {
        assertEquals("&lt;script&gt;alert(&quot;x&quot;&amp;&#39;y&#39;)&lt;/script&gt;",
                Text.escape("<script>alert(\"x\"&'y')</script>"));
        assertEquals("a\uFFFDb\uFFFD", Text.escape("a\u0001b\uD800"));
        assertEquals("\uD83D\uDE00", Text.escape("\uD83D\uDE00"));   // a valid surrogate pair survives
    }

    @Test
    void truncateMarksTheCut() {
        assertEquals("abcd", Text.truncate("abcd", 4));
        assertEquals("abc\u2026", Text.truncate("abcde", 4));
    }
}
