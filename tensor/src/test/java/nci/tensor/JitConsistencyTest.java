package nci.tensor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector kernels give the same bits whether the JVM interprets them (the Vector API's Java fallbacks) or
 * C2 has compiled them (intrinsics). A child JVM runs the probe once with {@code -Xint}; this JVM runs it after
 * a warm-up; the bit checksums of every kernel's output must agree. (Before {@link VMath}, softmax, LayerNorm,
 * GELU and attention failed this: reduceLanes(ADD) and lanewise(EXP) differ between the two.)
 */
class JitConsistencyTest {

    /** One line per kernel: name and a hash of its output bits. */
    static List<String> probe(int reps) {
        Random r = new Random(1);
        int n = 3073; // not a multiple of any lane count: the masked tails are exercised too
        float[] x = new float[n], g = new float[n], b = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
            g[i] = 1 + (float) r.nextGaussian() * 0.1f;
            b[i] = (float) r.nextGaussian() * 0.1f;
        }
        float[] qkv = new float[40 * 3 * 64];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) r.nextGaussian();
        Mat w = Mat.of(Arrays.copyOf(x, 300 * 37), 300, 37);
        java.lang.foreign.MemorySegment halves = java.lang.foreign.MemorySegment.ofArray(new short[1001]);
        for (int i = 0; i < 1001; i++) halves.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, (short) (i * 65));
        float[][] out = new float[10][];
        for (int rep = 0; rep < reps; rep++) {
            float[] s = x.clone(); Softmax.inPlaceVector(s, 0, n); out[0] = s;
            float[] l = new float[n]; LayerNorm.applyVector(x, 0, l, 0, 1, n, g, b, 1e-5f); out[1] = l;
            float[] t = x.clone(); Gelu.tanhApproxVector(t, 0, n); out[2] = t;
            float[] e = x.clone(); Gelu.exactVector(e, 0, n); out[3] = e;
            float[] o = new float[40 * 64];
            Attention.causalVector(qkv, 0, 192, qkv, 64, 192, qkv, 128, 192, o, 0, 64, 40, 64, 0, null, 0); out[4] = o;
            float[] c = new float[5 * 37]; Gemm.matmulVector(x, 0, 5, 300, w, g, c, 0); out[5] = c;
            float[] ct = new float[5 * 300]; Gemm.matmulTransposedVector(x, 0, 5, 37, Mat.of(Arrays.copyOf(x, 300 * 37), 300, 37), ct, 0); out[6] = ct;
            float[] h = new float[1001]; Half.f16ToF32Vector(halves, 0, h, 0, 1001); out[7] = h;
            float[] d = {VecOps.dotVector(x, 0, g, 0, n)}; out[8] = d;
            float[] c1 = new float[37]; Gemm.matmulVector(x, 7, 1, 300, w, g, c1, 0); out[9] = c1;
        }
        String[] names = {"softmax", "layernorm", "gelu_new", "gelu", "attention", "matmul", "matmulTransposed", "f16", "dot", "matmul m=1"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            long hash = 1125899906842597L;
            for (float f : out[i]) hash = 31 * hash + Float.floatToRawIntBits(f);
            lines.add(names[i] + " " + Long.toHexString(hash));
        }
        return lines;
    }

    public static void main(String[] args) {
        probe(1).forEach(System.out::println);
    }

    @Test
    void interpretedAndCompiledAgree() throws IOException, InterruptedException {
        List<String> compiled = probe(300); // enough calls and loop iterations for C2 to compile the kernels
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xint"));
        // the same vector width as this JVM (the build's 256-bit run caps it), or the lane-wise kernels differ by design
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (arg.startsWith("-XX:MaxVectorSize=")) command.add(arg);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JitConsistencyTest.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "interpreted probe did not finish");
        assertEquals(0, p.exitValue(), "interpreted probe failed: " + stderr);
        List<String> interpreted = new String(stdout, StandardCharsets.UTF_8).lines().toList();
        assertEquals(compiled, interpreted, "kernel output bits differ between C2-compiled (expected) and -Xint (actual)");
    }
}
