#!/usr/bin/env python3
"""Generates ReferenceVectors.java: seeded random strings tokenised by a reference GPT-2 BPE in Python.

The reference follows HuggingFace's slow GPT2Tokenizer (transformers 4.29.2) and OpenAI's encoder.py step for
step: Python `regex` with GPT-2's pattern (this is what the Java scanner must match: \\s, \\p{L}, \\p{N} with the
regex module's Unicode semantics), bytes_to_unicode, BPE by rank with all occurrences of the best pair merged left
to right. It is checked against fixtures/tokenizer/tokenizer_vectors.json before anything is written.

Run from the repository root:  python3 gpt2/src/test/java/nci/gpt2/tokenizer/gen_reference_vectors.py
Needs only `regex` (pip). Output is deterministic for a given `regex` Unicode version.
"""
import json, os, random, regex

ROOT = os.getcwd()
TOK = os.path.join(ROOT, "fixtures", "tokenizer")
OUT = os.path.join(ROOT, "gpt2", "src", "test", "java", "nci", "gpt2", "tokenizer", "ReferenceVectors.java")

encoder = json.load(open(os.path.join(TOK, "vocab.json"), encoding="utf-8"))
merges = open(os.path.join(TOK, "merges.txt"), encoding="utf-8").read().split("\n")[1:-1]
ranks = {tuple(m.split()): i for i, m in enumerate(merges)}
PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
EOT = "<|endoftext|>"


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENC = bytes_to_unicode()


def bpe(token):
    word = tuple(token)
    while len(word) > 1:
        pairs = set(zip(word, word[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        first, second = best
        out, i = [], 0
        while i < len(word):
            try:
                j = word.index(first, i)
            except ValueError:
                out.extend(word[i:])
                break
            out.extend(word[i:j])
            i = j
            if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                out.append(first + second)
                i += 2
            else:
                out.append(word[i])
                i += 1
        word = tuple(out)
    return word


def pieces(text):
    return PAT.findall(text)


def encode_plain(text):
    ids = []
    for p in pieces(text):
        ids.extend(encoder[t] for t in bpe("".join(BYTE_ENC[b] for b in p.encode("utf-8"))))
    return ids


def encode_special(text):
    parts = text.split(EOT)
    ids = []
    for k, part in enumerate(parts):
        if k:
            ids.append(50256)
        ids.extend(encode_plain(part))
    return ids


def utf16_ends(text):
    ends, pos = [], 0
    for p in pieces(text):
        pos += len(p.encode("utf-16-le")) // 2
        ends.append(pos)
    return ends


# The reference must reproduce the HF fixtures exactly before it may produce anything.
for v in json.load(open(os.path.join(TOK, "tokenizer_vectors.json"), encoding="utf-8"))["vectors"]:
    assert encode_plain(v["text"]) == v["ids"], v["text"]
    if "ids_eot_as_special" in v:
        assert encode_special(v["text"]) == v["ids_eot_as_special"], v["text"]

ALPHABET = [
    # ASCII words, digits, punctuation, apostrophes and contractions (upper case ones are not contractions)
    "the", "The", "cat", "don", "I", "a", "Zz", "x", "0", "7", "42", "2024", "3.14", "1,000",
    ".", ",", "!", "?", "...", "-", "--", "(", ")", "\"", "#", "$", "%", "&", "@", "_", "/", "\\", "{", "}", "[", "]",
    "'", "'", "''", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'Re", "'r", "'l", "'v", "'x",
    # whitespace: ASCII, Unicode White_Space, and look-alikes that are NOT \s in `regex`
    " ", " ", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\x0b", "\x0c", "\r",
    "\x85", "\xa0", "\u1680", "\u2000", "\u2009", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000",
    "\x1c", "\x1d", "\x1e", "\x1f", "\u200b", "\ufeff", "\u180e", "\x00", "\x1b", "\x7f",
    # letters and marks
    "é", "ñ", "ß", "ü", "Ω", "ж", "Ж", "ǅ", "ʰ", "ª", "ﬁ", "e\u0301", "\u0308", "\u0301", "i\u0307",
    "Ελλάδα", "мир", "שלום", "مرحبا", "नमस्ते", "ไทย", "한국어", "日本", "の", "テ", "中文", "ｱ",
    # numbers of every N category
    "²", "½", "Ⅻ", "٣", "߀", "१", "１", "①",
    # symbols, emoji, astral letters and digits, joiners and selectors
    "€", "™", "©", "°", "→", "♥", "\u2764\ufe0f", "😀", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "𝐀", "𝐳", "𐍈", "𝟘", "𝟡", "𠀋",
    EOT,
]


def random_text(rnd):
    k = rnd.choice([1, 2, 3, 5, 8, 13, 21, 34])
    return "".join(rnd.choice(ALPHABET) for _ in range(k))


rnd = random.Random(20240615)
texts = [random_text(rnd) for _ in range(260)]
lines = []
for t in texts:
    plain, special = encode_plain(t), encode_special(t)
    lines.append("%s|%s|%s|%s" % (
        t.encode("utf-8").hex(),
        " ".join(map(str, utf16_ends(t))),
        " ".join(map(str, plain)),
        "=" if special == plain else " ".join(map(str, special))))

# Java string constants hold at most 65535 bytes: cut into chunks.
chunks, cur = [], []
for l in lines:
    if sum(len(x) + 1 for x in cur) + len(l) > 30000:
        chunks.append(cur)
        cur = []
    cur.append(l)
chunks.append(cur)

with open(OUT, "w", encoding="utf-8", newline="\n") as f:
    f.write("package nci.gpt2.tokenizer;\n\n")
    f.write("/**\n * GENERATED by gen_reference_vectors.py (same folder); do not edit. %d seeded random strings\n" % len(lines))
    f.write(" * tokenised by a Python reference of HF's slow GPT2Tokenizer using the `regex` module (version %s)\n" % regex.__version__)
    f.write(" * that first reproduces every fixture vector. One line per string:\n")
    f.write(" * {@code utf8-hex|pre-token ends (UTF-16 indices)|ids (plain)|ids (<|endoftext|> special, '=' if same)}.\n */\n")
    f.write("final class ReferenceVectors {\n    private ReferenceVectors() {}\n\n")
    f.write("    static final String[] CHUNKS = {\n")
    for c in chunks:
        f.write('        """\n')
        for l in c:
            f.write("        " + l + "\n")
        f.write('        """,\n')
    f.write("    };\n}\n")
print("wrote", OUT, len(lines), "lines in", len(chunks), "chunks")
