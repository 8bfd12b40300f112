package nci.gpt2.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2's byte-level BPE tokenizer, identical to HuggingFace's slow {@code GPT2Tokenizer} (transformers 4.29.2,
 * {@code add_prefix_space=False}, {@code errors="replace"}) and to OpenAI's original {@code encoder.py}.
 *
 * <p>Encoding a text: (1) split it into pre-tokens with GPT-2's regex ({@link PreTokenizer}; no normalisation, no
 * prefix space); (2) write each pre-token as UTF-8 and map every byte to its byte-level symbol ({@link ByteLevel},
 * e.g. space → {@code Ġ}); (3) apply BPE ({@link Bpe}): repeatedly take the adjacent pair with the lowest merge rank (its line in
 * merges.txt) and merge all its non-overlapping occurrences left to right, until no pair is a merge; (4) the
 * resulting symbols are vocabulary tokens, whose ids are the output. Symbols are handled as ids throughout: a merge
 * is a map from an id pair to (rank, merged id), built once at load.
 *
 * <p>{@link #encode} treats each literal {@code <|endoftext|>} as the special token {@link #END_OF_TEXT} (as HF does
 * when installed with {@code tokenizers}: split on the literal, no whitespace stripping, encode the pieces apart);
 * {@link #encodePlain} encodes it as ordinary text ({@code [27, 91, 437, 1659, 5239, 91, 29]}), as OpenAI's encoder
 * and HF without {@code tokenizers} do. {@link #decode} is the inverse of both.
 *
 * <p>Instances are immutable apart from a concurrent cache of pre-token → ids, and safe to share between threads.
 */
public final class Gpt2Tokenizer {
    /** Id of {@code <|endoftext|>} in GPT-2's vocabulary; {@link #load} checks the vocabulary agrees. */
    public static final int END_OF_TEXT = 50256;
    /** The literal text of the special token. */
    public static final String END_OF_TEXT_TOKEN = "<|endoftext|>";

    /** The cache stops growing at this many pre-tokens (HF's is unbounded; this keeps a long-lived one bounded). */
    private static final int CACHE_LIMIT = 1 << 17;
    /** Longer pre-tokens are not cached: they are rare and would pin large strings. */
    private static final int CACHE_MAX_PIECE = 64;

    private final TokenIndex vocab;             // token → id, never written after load
    private final String[] tokens;              // id → token, ids 0..n-1
    private final int[] byteIds;                // byte 0..255 → id of its one-symbol token
    private final MergeTable merges;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    private Gpt2Tokenizer(TokenIndex vocab, String[] tokens, int[] byteIds, MergeTable merges) {
        this.vocab = vocab;
        this.tokens = tokens;
        this.byteIds = byteIds;
        this.merges = merges;
    }

    // ------------------------------------------------------------------------------------------------ loading

    /**
     * Loads {@code vocab.json} and {@code merges.txt} from a HuggingFace model folder.
     *
     * @throws NoSuchFileException naming the missing file or folder
     * @throws IOException         on a read error or malformed content (the message names the file and entry)
     */
    public static Gpt2Tokenizer load(Path modelDir) throws IOException {
        if (!Files.isDirectory(modelDir))
            throw new NoSuchFileException(modelDir.toString(), null, "tokenizer folder does not exist");
        return load(modelDir.resolve("vocab.json"), modelDir.resolve("merges.txt"));
    }

    /**
     * Loads a tokenizer from a {@code vocab.json} (JSON object token → id, ids exactly 0..n-1, containing the 256
     * one-byte symbols and {@code <|endoftext|>} = 50256, every token made of byte-level symbols) and a
     * {@code merges.txt} (an optional first line {@code #version: ...}, then one merge {@code "left right"} per
     * line, earlier lines taking precedence, empty lines ignored; left, right and their concatenation must all be
     * vocabulary tokens; at least one merge when the vocabulary has tokens beyond the byte tokens and
     * {@code <|endoftext|>}, since only merges make them).
     *
     * @throws NoSuchFileException naming the missing file
     * @throws IOException         on a read error or malformed content (the message names the file and entry)
     */
    public static Gpt2Tokenizer load(Path vocabJson, Path mergesTxt) throws IOException {
        for (Path p : new Path[] {vocabJson, mergesTxt})
            if (!Files.isRegularFile(p))
                throw new NoSuchFileException(p.toString(), null,
                        "GPT-2 tokenizer file " + p.getFileName() + " not found");
        String[] tokens = readVocab(vocabJson);
        int n = tokens.length;
        TokenIndex vocab = new TokenIndex(n);
        for (int id = 0; id < n; id++) {
            String t = tokens[id];
            if (!vocab.add(t, id))
                throw new IOException(vocabJson + ": token " + quote(t) + " appears twice (ids "
                        + vocab.get(t) + " and " + id + ")");
            for (int i = 0; i < t.length(); i++)
                if (ByteLevel.byteOf(t.charAt(i)) < 0)
                    throw new IOException(String.format("%s: token %s (id %d) has character U+%04X at index %d,"
                            + " which is not in GPT-2's byte-level alphabet", vocabJson, quote(t), id,
                            (int) t.charAt(i), i));
        }
        int eot = vocab.get(END_OF_TEXT_TOKEN);
        if (eot != END_OF_TEXT)
            throw new IOException(vocabJson + ": expected " + END_OF_TEXT_TOKEN + " with id " + END_OF_TEXT
                    + ", found " + (eot < 0 ? "no such token" : "id " + eot));
        int[] byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            String symbol = String.valueOf(ByteLevel.charOf(b));
            byteIds[b] = vocab.get(symbol);
            if (byteIds[b] < 0)
                throw new IOException(String.format("%s: no token for byte 0x%02X (symbol %s); a byte-level"
                        + " vocabulary needs all 256", vocabJson, b, quote(symbol)));
        }
        MergeTable merges = readMerges(mergesTxt, vocab);
        // Every other token is a merge's result: with none, each byte would be a token of its own.
        int merged = n - 256 - 1;   // tokens beyond the byte tokens and <|endoftext|> (all checked present above)
        if (merges.size() == 0 && merged > 0)
            throw new IOException(mergesTxt + ": holds no merges, but " + vocabJson.getFileName() + " has " + merged
                    + " tokens beyond the 256 byte tokens and " + END_OF_TEXT_TOKEN + ", which only merges make:"
                    + " the merges are missing (without them every byte would be a token of its own)");
        return new Gpt2Tokenizer(vocab, tokens, byteIds, merges);
    }

    /** The tokens of vocab.json indexed by id; checks that the ids are exactly 0..n-1. */
    private static String[] readVocab(Path file) throws IOException {
        List<String> names = new ArrayList<>(1 << 16);
        IntBuffer ids = new IntBuffer(1 << 16);
        // No interning/canonicalising of field names: every key is seen once, and interning 50k of them is slow.
        JsonFactory json = JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();
        try (JsonParser p = json.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT)
                throw new IOException(file + ": expected a JSON object {token: id, ...}");
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT)
                    throw new IOException(file + ": token " + quote(token) + " must map to an int id, found "
                            + p.getText());
                names.add(token);
                ids.add(p.getIntValue());
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null)
                throw new IOException(file + ": malformed vocabulary object near " + p.currentLocation());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        int n = names.size();
        if (n == 0) throw new IOException(file + ": empty vocabulary");
        for (int k = 0; k < n; k++)
            if (ids.get(k) < 0)
                throw new IOException(file + ": token " + quote(names.get(k)) + " has id " + ids.get(k)
                        + "; ids must be exactly 0.." + (n - 1));
        String[] tokens = new String[n];
        for (int k = 0; k < n; k++) {
            int id = ids.get(k);
            if (id >= n) throw new IOException(file + ": " + gaps(names, ids));
            if (tokens[id] != null)
                throw new IOException(file + ": id " + id + " is given to both " + quote(tokens[id])
                        + " and " + quote(names.get(k)));
            tokens[id] = names.get(k);
        }
        return tokens; // n distinct ids in [0, n): no gaps
    }

    /**
     * Why non-negative ids that reach past {@code n - 1} are not exactly 0..n-1: an id given twice, or else the ids no
     * token has, and the byte tokens that are missing (so a vocabulary with an entry deleted says which).
     */
    private static String gaps(List<String> names, IntBuffer ids) {
        int n = names.size();
        int[] sorted = ids.toArray();
        Arrays.sort(sorted);
        for (int k = 1; k < n; k++)
            if (sorted[k] == sorted[k - 1]) {
                int id = sorted[k];
                List<String> both = new ArrayList<>();
                for (int j = 0; j < n && both.size() < 2; j++) if (ids.get(j) == id) both.add(quote(names.get(j)));
                return "id " + id + " is given to both " + both.get(0) + " and " + both.get(1);
            }
        long missing = 0;
        List<Integer> first = new ArrayList<>();
        int next = 0;                                   // the lowest id not yet seen
        for (int id : sorted) {
            for (int m = next; m < id && first.size() < 10; m++) first.add(m);
            missing += id - next;
            next = id + 1;
        }
        StringBuilder sb = new StringBuilder("no token has id" + (missing == 1 ? " " : "s "));
        for (int i = 0; i < first.size(); i++) sb.append(i == 0 ? "" : ", ").append(first.get(i));
        if (missing > first.size()) sb.append(", … (").append(missing).append(" in all)");
        int top = sorted[n - 1];
        String topName = "";
        for (int j = 0; j < n; j++) if (ids.get(j) == top) topName = names.get(j);
        sb.append(" (ids must run from 0 without gaps, but the ").append(n).append(" tokens reach id ").append(top)
                .append(", ").append(quote(topName)).append(")");
        Set<String> present = new HashSet<>(names);
        List<String> bytes = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            String symbol = String.valueOf(ByteLevel.charOf(b));
            if (!present.contains(symbol)) bytes.add(String.format("%s (byte 0x%02X)", quote(symbol), b));
        }
        if (bytes.size() == 1) sb.append("; the byte token ").append(bytes.get(0)).append(" is missing");
        else if (!bytes.isEmpty())
            sb.append("; the byte tokens ").append(String.join(", ", bytes.subList(0, Math.min(10, bytes.size()))))
                    .append(bytes.size() > 10 ? ", … (" + bytes.size() + " in all)" : "").append(" are missing");
        return sb.toString();
    }

    private static MergeTable readMerges(Path file, TokenIndex vocab) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not valid UTF-8", e);
        }
        int lineCount = 1;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCount++;
        MergeTable table = new MergeTable(lineCount);
        // Lines are split on '\n' only (as HF's read().split("\n")); a '\r' before it is dropped.
        int rank = 0, lineNo = 0;
        for (int pos = 0; pos < text.length(); ) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl;
            int s = pos, e = end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end;
            pos = end + 1;
            lineNo++;
            if (e == s || (lineNo == 1 && text.startsWith("#version", s))) continue;
            int sp = text.indexOf(' ', s);
            boolean twoSymbols = sp > s && sp < e - 1 && text.lastIndexOf(' ', e - 1) == sp;
            if (!twoSymbols)
                throw new IOException(file + " line " + lineNo + ": expected two symbols separated by one space,"
                        + " found " + quote(text.substring(s, e)));
            int a = vocab.get(text, s, sp, "", 0, 0);
            int b = vocab.get(text, sp + 1, e, "", 0, 0);
            int m = vocab.get(text, s, sp, text, sp + 1, e);
            if (a < 0 || b < 0 || m < 0) {
                String left = text.substring(s, sp), right = text.substring(sp + 1, e);
                throw new IOException(file + " line " + lineNo + ": " + quote(a < 0 ? left : b < 0 ? right
                        : left + right) + " of merge " + quote(left + " " + right) + " is not in vocab.json");
            }
            table.put(a, b, rank++, m);
        }
        return table;
    }

    // ------------------------------------------------------------------------------------------------ encoding

    /**
     * Token ids of {@code text}, with every literal {@code <|endoftext|>} encoded as {@link #END_OF_TEXT} and the
     * text between occurrences encoded separately (HF's slow tokenizer with the special token split out).
     *
     * @throws IllegalArgumentException if the text has a lone surrogate (it has no UTF-8 form)
     */
    public int[] encode(String text) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        int from = 0, at;
        while ((at = text.indexOf(END_OF_TEXT_TOKEN, from)) >= 0) {
            encodeSegment(text, from, at, out);
            out.add(END_OF_TEXT);
            from = at + END_OF_TEXT_TOKEN.length();
        }
        encodeSegment(text, from, text.length(), out);
        return out.toArray();
    }

    /**
     * Token ids of {@code text} with {@code <|endoftext|>} treated as ordinary characters (OpenAI's encoder).
     *
     * @throws IllegalArgumentException if the text has a lone surrogate (it has no UTF-8 form)
     */
    public int[] encodePlain(String text) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        encodeSegment(text, 0, text.length(), out);
        return out.toArray();
    }

    private void encodeSegment(String text, int start, int end, IntBuffer out) {
        int i = start;
        while (i < end) {
            int j = PreTokenizer.next(text, i, end);
            if (j - i <= CACHE_MAX_PIECE) {
                String piece = text.substring(i, j);
                int[] ids = cache.get(piece);
                if (ids == null) {
                    ids = bpe(text, i, j);
                    if (cache.size() < CACHE_LIMIT) cache.putIfAbsent(piece, ids);
                }
                out.addAll(ids);
            } else {
                out.addAll(bpe(text, i, j));
            }
            i = j;
        }
    }

    /** BPE of the one pre-token {@code text[start, end)}; returns its token ids. */
    private int[] bpe(String text, int start, int end) {
        byte[] utf8 = new byte[3 * (end - start)];
        int len = Utf8.encode(text, start, end, utf8, 0);
        int[] w = new int[len];
        for (int k = 0; k < len; k++) w[k] = byteIds[utf8[k] & 0xFF];
        len = Bpe.merge(w, len, merges);
        return len == w.length ? w : Arrays.copyOf(w, len);
    }

    // ------------------------------------------------------------------------------------------------ decoding

    /**
     * The text of {@code ids}: their bytes concatenated and decoded as UTF-8, each ill-formed part replaced by
     * U+FFFD exactly as Python's {@code errors="replace"} does. No clean-up of spaces
     * ({@code clean_up_tokenization_spaces=False}), so {@code decode(encode(s)).equals(s)} for every valid string.
     *
     * @throws IllegalArgumentException naming the id and its position if an id is outside the vocabulary
     */
    public String decode(int[] ids) {
        byte[] bytes = decodeBytes(ids);
        return Utf8.decode(bytes, bytes.length);
    }

    /**
     * {@link #decode(int[])}, then, if {@code cleanUpTokenizationSpaces}, HF's old default clean-up: the
     * replacements {@code " ."→"."}, {@code " ?"→"?"}, {@code " !"→"!"}, {@code " ,"→","}, {@code " ' "→"'"},
     * {@code " n't"→"n't"}, {@code " 'm"→"'m"}, {@code " 's"→"'s"}, {@code " 've"→"'ve"}, {@code " 're"→"'re"}
     * in that order (lossy: not an inverse of encode).
     */
    public String decode(int[] ids, boolean cleanUpTokenizationSpaces) {
        String s = decode(ids);
        if (!cleanUpTokenizationSpaces) return s;
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** The bytes that {@code ids} stand for (what {@link #decode} decodes). */
    public byte[] decodeBytes(int[] ids) {
        int total = 0;
        for (int p = 0; p < ids.length; p++) total += tokens[check(ids[p], p)].length();
        byte[] bytes = new byte[total];
        int o = 0;
        for (int id : ids) {
            String t = tokens[id];   // one byte per character, checked at load
            for (int i = 0; i < t.length(); i++) bytes[o++] = (byte) ByteLevel.byteOf(t.charAt(i));
        }
        return bytes;
    }

    // ------------------------------------------------------------------------------------------------ vocabulary

    /**
     * The byte-level token string of {@code id} as in vocab.json (e.g. {@code "Ġthe"} for 262), what HF's
     * {@code convert_ids_to_tokens} returns.
     *
     * @throws IllegalArgumentException if {@code id} is outside the vocabulary
     */
    public String token(int id) {
        if (id < 0 || id >= tokens.length)
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + tokens.length + ")");
        return tokens[id];
    }

    /** The token strings of {@code ids}; an id outside the vocabulary is reported with its position. */
    public List<String> tokens(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int p = 0; p < ids.length; p++) out.add(tokens[check(ids[p], p)]);
        return out;
    }

    /** The id of a byte-level token string such as {@code "Ġthe"}, if it is in the vocabulary. */
    public OptionalInt id(String token) {
        int id = vocab.get(token);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Number of tokens; valid ids are exactly {@code 0 .. vocabSize()-1} (50257 for GPT-2). */
    public int vocabSize() {
        return tokens.length;
    }

    /** Number of merges read from merges.txt (50000 for GPT-2). */
    public int mergeCount() {
        return merges.size();
    }

    /** The merge table, for tests of {@link Bpe}. */
    MergeTable mergeTable() {
        return merges;
    }

    /** The id of the one-symbol token of byte {@code b}, for tests. */
    int byteId(int b) {
        return byteIds[b & 0xFF];
    }

    private int check(int id, int position) {
        if (id < 0 || id >= tokens.length)
            throw new IllegalArgumentException("token id " + id + " at position " + position
                    + " is outside the vocabulary [0, " + tokens.length + ")");
        return id;
    }

    private static String quote(String s) {
        return "'" + s + "'";
    }

    /** A growable int list for the encoder's output. */
    private static final class IntBuffer {
        private int[] a;
        private int n;

        IntBuffer(int capacity) {
            a = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void addAll(int[] v) {
            if (n + v.length > a.length) a = Arrays.copyOf(a, Math.max(n * 2, n + v.length));
            System.arraycopy(v, 0, a, n, v.length);
            n += v.length;
        }

        int get(int k) {
            return a[k];
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
