/**
 * GPT-2's byte-level BPE tokenizer ({@link nci.gpt2.tokenizer.Gpt2Tokenizer}), identical to HuggingFace's slow
 * {@code GPT2Tokenizer} and OpenAI's {@code encoder.py}.
 *
 * <p>The pieces: {@code PreTokenizer} (GPT-2's regex as a hand-written scanner with Python {@code regex}'s Unicode
 * classes), {@code ByteLevel} (the reversible byte ↔ printable-character mapping), {@code Bpe} (the merge loop:
 * a rescan for short pieces, a heap for long ones), {@code MergeTable} (id pair →
 * rank and merged id, unboxed), {@code TokenIndex} (token string → id, probed with text slices while loading) and
 * {@code Utf8} (UTF-8 with Python's error behaviour). The tests hold every fixture vector of
 * {@code fixtures/tokenizer/tokenizer_vectors.json} and generated reference vectors to exact equality.
 */
package nci.gpt2.tokenizer;
