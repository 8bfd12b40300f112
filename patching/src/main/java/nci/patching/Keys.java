package nci.patching;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The canonical, versioned encoding behind every {@link Key}, and the digest over it.
 *
 * <p>Every value the engine computes is a [T, width] tensor with one key per row. Row key t commits to
 * the operation and to rows 0..t of the values it reads (GPT-2 is causal, so that is everything row t
 * depends on): two values whose row keys agree up to row t have equal rows 0..t. The key of a whole
 * value is its last row key.
 *
 * <p>Encoding (version 1). A key is {@code SHA-256(bytes)[0..16)}, where {@code bytes} is the
 * concatenation of:
 * <ol>
 * <li>the ASCII tag {@code "nci-key/1"} (9 bytes; a new encoding gets a new tag);</li>
 * <li>the operation as a big-endian int32: 1 = emb, 2 = qkv, 3 = attn, 4 = mlp, 5 = add, 6 = mix, 7 = ln_f;</li>
 * <li>the operation's fields, each a big-endian int32 or a key's 16 bytes (hi then lo, big-endian), in
 *     this fixed order:
 *   <ul>
 *   <li>emb, row t: the 32-byte model digest ({@link ModelDigest}), t, the token id at t, then (t &gt; 0 only)
 *       row key t-1 of the same embedding (so row t commits to the model and ids[0..t]);</li>
 *   <li>qkv (ln_1 then c_attn), mlp (ln_2, c_fc, activation, c_proj): layer, then row key t of the input stream;</li>
 *   <li>attn (causal attention of every head, merged, then c_proj): layer, the head count H, then for h = 0..H-1
 *       row key t of the qkv value feeding head h's query, then its key, then its value input (a qkv row key
 *       commits to rows 0..t, which is what causal attention reads);</li>
 *   <li>add (residual add): row key t of the left operand, then of the right operand;</li>
 *   <li>mix (row t taken from stream S_t, the seed's position split): if row key t-1 of the mix equals row
 *       key t-1 of S_t (or t = 0) the mix's rows 0..t are S_t's rows 0..t and its row key t <em>is</em>
 *       S_t's row key t (no encoding); otherwise the encoding is row key t-1 of the mix, then row key t of S_t;</li>
 *   <li>ln_f: row key t of the input.</li>
 *   </ul></li>
 * </ol>
 * Weights enter only through the model digest at the embeddings and the layer indices above; every value
 * is therefore tied to (model, input tokens, the operations applied).
 */
public final class Keys {
    private Keys() {}

    static final byte[] VERSION = {'n', 'c', 'i', '-', 'k', 'e', 'y', '/', '1'};
    static final int EMB = 1, QKV = 2, ATTN = 3, MLP = 4, ADD = 5, MIX = 6, LNF = 7;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    });

    /** A reusable encoder: {@code begin}, put fields, {@code finish}. Not thread-safe; one per evaluation. */
    static final class Encoder {
        private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.BIG_ENDIAN);

        Encoder begin(int op) {
            buf.clear();
            buf.put(VERSION);
            return putInt(op);
        }

        Encoder putInt(int v) {
            ensure(4);
            buf.putInt(v);
            return this;
        }

        Encoder putKey(Key k) {
            ensure(16);
            buf.putLong(k.hi()).putLong(k.lo());
            return this;
        }

        Encoder putBytes(byte[] b) {
            ensure(b.length);
            buf.put(b);
            return this;
        }

        Key finish() {
            MessageDigest md = SHA256.get();
            md.reset();
            md.update(buf.array(), 0, buf.position());
            byte[] d = md.digest();
            ByteBuffer r = ByteBuffer.wrap(d).order(ByteOrder.BIG_ENDIAN);
            return new Key(r.getLong(), r.getLong());
        }

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n)).order(ByteOrder.BIG_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }
    }
}
