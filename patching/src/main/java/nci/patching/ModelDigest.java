package nci.patching;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import nci.gpt2.Gpt2Config;
import nci.gpt2.Gpt2Model;
import nci.gpt2.Gpt2Weights;
import nci.gpt2.LayerWeights;
import nci.tensor.Mat;

/**
 * The identity of a model's weights and configuration: 32 bytes that every embedding key commits to
 * (see {@link Keys}), so cached values of one model are never served for another.
 *
 * <p>{@link #of(Gpt2Model)} is a SHA-256 over the <em>content</em> (not the file): the ASCII tag
 * {@code "nci-model/1"}; the config as big-endian int32s n_layer, n_head, n_embd, n_positions, vocab_size,
 * n_inner, the raw bits of layer_norm_epsilon, then the activation's config name (int32 length + UTF-8);
 * then every tensor in the fixed order wte, wpe, per layer (ln_1 γ β, c_attn W b, attn c_proj W b, ln_2 γ β,
 * c_fc W b, mlp c_proj W b), ln_f γ β, lm_head, each as int32 rows, int32 cols and its float32 values
 * little-endian. Cost: one pass over the weights (about a second for GPT-2 small). A caller that already
 * knows a trustworthy identity (e.g. a hash of the weight file) can pass it with {@link #of(byte[])}; the commands
 * keep each model's digest in a file beside its packed copy, under the same stamp of the weight files, and read it back.
 */
public record ModelDigest(byte[] bytes) {

    public ModelDigest {
        if (bytes == null || bytes.length != 32)
            throw new IllegalArgumentException("model digest must be 32 bytes, got " + (bytes == null ? "null" : bytes.length));
        bytes = bytes.clone();
    }

    public static ModelDigest of(byte[] bytes) { return new ModelDigest(bytes); }

    @Override
    public byte[] bytes() { return bytes.clone(); }

    public String hex() { return HexFormat.of().formatHex(bytes); }

    @Override
    public boolean equals(Object o) { return o instanceof ModelDigest d && Arrays.equals(bytes, d.bytes); }

    @Override
    public int hashCode() { return Arrays.hashCode(bytes); }

    @Override
    public String toString() { return "ModelDigest[" + hex() + "]"; }

    /** SHA-256 over the config and every weight value; see the class comment for the exact encoding. */
    public static ModelDigest of(Gpt2Model model) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
        Gpt2Config c = model.config();
        md.update("nci-model/1".getBytes(StandardCharsets.US_ASCII));
        byte[] act = c.activation().configName().getBytes(StandardCharsets.UTF_8);
        ByteBuffer head = ByteBuffer.allocate(8 * 4 + act.length).order(ByteOrder.BIG_ENDIAN);
        head.putInt(c.nLayer()).putInt(c.nHead()).putInt(c.nEmbd()).putInt(c.nPositions()).putInt(c.vocabSize())
                .putInt(c.nInner()).putInt(Float.floatToRawIntBits(c.layerNormEpsilon())).putInt(act.length).put(act);
        md.update(head.array());
        Gpt2Weights w = model.weights();
        byte[] scratch = new byte[1 << 16];
        mat(md, w.wte(), scratch);
        mat(md, w.wpe(), scratch);
        for (LayerWeights l : w.layers()) {
            vec(md, l.ln1Gamma(), scratch); vec(md, l.ln1Beta(), scratch);
            mat(md, l.attnW(), scratch); vec(md, l.attnB(), scratch);
            mat(md, l.attnProjW(), scratch); vec(md, l.attnProjB(), scratch);
            vec(md, l.ln2Gamma(), scratch); vec(md, l.ln2Beta(), scratch);
            mat(md, l.fcW(), scratch); vec(md, l.fcB(), scratch);
            mat(md, l.mlpProjW(), scratch); vec(md, l.mlpProjB(), scratch);
        }
        vec(md, w.lnfGamma(), scratch); vec(md, w.lnfBeta(), scratch);
        mat(md, w.lmHead(), scratch);
        return new ModelDigest(md.digest());
    }

    private static void vec(MessageDigest md, float[] v, byte[] scratch) {
        shape(md, 1, v.length);
        ByteBuffer b = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; ) {
            b.clear();
            int n = Math.min(v.length - i, scratch.length / 4);
            for (int j = 0; j < n; j++) b.putFloat(v[i + j]);
            md.update(scratch, 0, n * 4);
            i += n;
        }
    }

    private static void mat(MessageDigest md, Mat m, byte[] scratch) {
        shape(md, m.rows(), m.cols());
        long n = (long) m.rows() * m.cols();
        MemorySegment seg = m.data();
        ByteBuffer b = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN);
        int chunk = scratch.length / 4;
        boolean le = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (long i = 0; i < n; ) {
            int len = (int) Math.min(n - i, chunk);
            long base = m.offset() + i;
            if (le) {                       // Mat reads native order: on little-endian hosts the bytes already are the encoding
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, base * Float.BYTES, scratch, 0, len * Float.BYTES);
            } else {
                b.clear();
                for (int j = 0; j < len; j++) b.putFloat(seg.getAtIndex(Mat.FLOAT, base + j));
            }
            md.update(scratch, 0, len * 4);
            i += len;
        }
    }

    private static void shape(MessageDigest md, int rows, int cols) {
        md.update(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt(rows).putInt(cols).array());
    }
}
