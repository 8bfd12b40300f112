package nci.gpt2.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The heap BPE (long pieces) against the scan BPE (the literal HF rule), on GPT-2's merges and on random ones. */
class BpeTest {

    private static void assertSame(int[] word, MergeTable merges, String what) {
        int[] a = word.clone(), b = word.clone();
        int la = Bpe.mergeByScan(a, a.length, merges);
        int lb = Bpe.mergeByHeap(b, b.length, merges);
        assertArrayEquals(Arrays.copyOf(a, la), Arrays.copyOf(b, lb), () -> what + ": heap differs from scan for "
                + Arrays.toString(word));
    }

    @Test
    void heapEqualsScanOnGpt2Merges() {
        Gpt2Tokenizer tok = TokenizerFixtures.gpt2();
        SplittableRandom rnd = new SplittableRandom(5);
        String[] alphabets = {"abcdefghijklmnopqrstuvwxyz", "etaoinshr", "ab", "a", "ABCabc", "日本語のテキスト中文",
                "αβγδεζηθ", "😀👍🏽"};
        for (int n = 0; n < 600; n++) {
            String alphabet = alphabets[n % alphabets.length];
            int len = rnd.nextInt(1, 400);
            StringBuilder sb = new StringBuilder();
            while (sb.length() < len) sb.appendCodePoint(alphabet.codePointAt(
                    alphabet.offsetByCodePoints(0, rnd.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            int[] word = new int[bytes.length];
            for (int k = 0; k < word.length; k++) word[k] = tok.byteId(bytes[k]);
            assertSame(word, tok.mergeTable(), "GPT-2 merges, text " + TokenizerFixtures.escape(sb.toString()));
        }
    }

    /** Random merge tables, including ones where a merged symbol's own merges rank below it. */
    @Test
    void heapEqualsScanOnRandomMerges() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int t = 0; t < 300; t++) {
            int symbols = rnd.nextInt(2, 6);
            MergeTable merges = new MergeTable(64);
            int nextId = symbols, pairs = rnd.nextInt(1, 30);
            int[] ranks = new int[pairs];   // a random permutation: every merge line has its own rank
            for (int k = 0; k < pairs; k++) {
                int j = rnd.nextInt(k + 1);
                ranks[k] = ranks[j];
                ranks[j] = k;
            }
            for (int k = 0; k < pairs; k++) {
                // A pair over the symbols created so far (a repeated pair keeps the later rank, as in HF).
                merges.put(rnd.nextInt(nextId), rnd.nextInt(nextId), ranks[k], nextId++);
            }
            for (int n = 0; n < 20; n++) {
                int[] word = new int[rnd.nextInt(0, 60)];
                for (int k = 0; k < word.length; k++) word[k] = rnd.nextInt(symbols);
                assertSame(word, merges, "random table " + t);
            }
        }
    }

    @Test
    void rankOrderWithinOneStep() {
        // (a,b) -> X at rank 5, (X,a) -> Y at rank 1: HF merges every (a,b) of the step first, so "a b a b" -> X X.
        MergeTable merges = new MergeTable(4);
        merges.put(0, 1, 5, 2);
        merges.put(2, 0, 1, 3);
        int[] w = {0, 1, 0, 1};
        int[] scan = w.clone(), heap = w.clone();
        assertArrayEquals(new int[] {2, 2}, Arrays.copyOf(scan, Bpe.mergeByScan(scan, 4, merges)));
        assertArrayEquals(new int[] {2, 2}, Arrays.copyOf(heap, Bpe.mergeByHeap(heap, 4, merges)));
        // Overlap: "a a a" with (a,a) merges left to right once per step.
        MergeTable aa = new MergeTable(4);
        aa.put(0, 0, 0, 1);
        int[] three = {0, 0, 0};
        assertEquals(2, Bpe.mergeByHeap(three, 3, aa));
        assertArrayEquals(new int[] {1, 0}, Arrays.copyOf(three, 2));
    }
}
