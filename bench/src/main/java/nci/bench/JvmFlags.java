package nci.bench;

import java.util.List;

/**
 * The JVM flags of every forked benchmark JVM, in one place. The {@code @Fork} annotations of the
 * benchmark classes (used when the jar is run through JMH's own {@code org.openjdk.jmh.Main}) and
 * {@link BenchMain}'s {@code OptionsBuilder} both take them from here. They mirror the root pom's
 * {@code nci.jvm.flags}, plus a fixed heap so runs are comparable.
 */
public final class JvmFlags {
    private JvmFlags() {}

    /** The kernels use the incubating Vector API. */
    public static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";
    /** Weights live in foreign memory segments; keeps the JDK quiet about it. */
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /**
     * Heap and (since foreign arenas count against it) direct-memory ceiling: the GPT-2-small-shaped
     * model holds ~500 MB of off-heap weights, the largest GEMM operand ~155 MB.
     */
    public static final String HEAP = "-Xmx4g";

    public static final List<String> ALL = List.of(VECTOR_MODULE, NATIVE_ACCESS, HEAP);
}
