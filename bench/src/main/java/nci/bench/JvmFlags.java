package nci.bench;

import java.util.List;

/**
 * The JVM flags of every forked benchmark JVM, in one place. The {@code @Fork} annotations of the
 * benchmark classes (used when the jar is run through JMH's own {@code org.openjdk.jmh.Main}) and
 * {@link BenchMain}'s {@code OptionsBuilder} both take them from here. They mirror the root pom's
 * {@code nci.jvm.flags} and the launcher's ({@code ./nci}: Serial GC, no profiled loop predicates or switch profiles,
 * lower compile thresholds for the kernels; a larger young generation for the patching commands), plus a fixed heap
 * so runs are comparable. {@code JvmFlagsTest} holds them to the launcher's flags and the annotations to these lists.
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
    /** The launcher's collector (`./nci`): a batch tool on few cores, heap and RSS kept close to what is live. */
    public static final String SERIAL_GC = "-XX:+UseSerialGC";
    /**
     * The launcher's: no profiled loop predicates in C2, whose traps made it compile the GEMM kernels again in a cold
     * JVM (see {@code ./nci}). The warm sweep, forward and products measured no different with it (bench/README).
     */
    public static final String PREDICATES = "-XX:-UseProfiledLoopPredicate";
    /** Lets {@link #SWITCH_PROFILES} through: it is a diagnostic flag. */
    public static final String DIAGNOSTIC = "-XX:+UnlockDiagnosticVMOptions";
    /**
     * The launcher's: no switch profiles in C2, whose pruned cases (tile heights not met yet) trapped in a cold JVM and
     * sent the compiled products back to the interpreter (see {@code ./nci}). The warm forward and sweep measured no
     * different with it (bench/README).
     */
    public static final String SWITCH_PROFILES = "-XX:-UseSwitchProfiling";
    /**
     * The launcher's: the kernels ({@code nci.tensor}) reach C1 and C2 at 1/20 of the usual counts, so that a cold
     * JVM runs them through the Vector API's boxed Java fallback for less long (see {@code ./nci}). Steady-state
     * code is the same; the warm forward measured no slower (bench/README).
     */
    public static final String KERNEL_THRESHOLDS = "-XX:CompileCommand=CompileThresholdScaling,nci.tensor.*::*,0.05";
    /** Keeps the JVM from printing each {@code CompileCommand} on stdout; it must come before them. */
    public static final String COMPILE_QUIET = "-XX:CompileCommand=quiet";
    /**
     * The launcher's young generation for the patching commands (patch, sweep, run, demo): a sweep allocates
     * ~200 MB of per-experiment values and keeps ~60 MB of them in the cache, and with the default (small) young
     * generation each sweep paid two young collections copying them (~80 ms of a ~500 ms sweep, `-Xlog:gc`).
     * Not for the forward, whose peak RSS it would raise (~690 -> ~1010 MiB at T=128: eden gets touched).
     */
    public static final String PATCHING_YOUNG = "-Xmn512m";

    /** Every forked JVM (GEMM and forward): the flags `./nci` runs with, plus the fixed heap. */
    public static final List<String> ALL = List.of(VECTOR_MODULE, NATIVE_ACCESS, SERIAL_GC, PREDICATES, DIAGNOSTIC,
            SWITCH_PROFILES, COMPILE_QUIET, KERNEL_THRESHOLDS, HEAP);
    /** The sweep's forked JVM: as `./nci sweep` runs. */
    public static final List<String> PATCHING = List.of(VECTOR_MODULE, NATIVE_ACCESS, SERIAL_GC, PREDICATES, DIAGNOSTIC,
            SWITCH_PROFILES, COMPILE_QUIET, KERNEL_THRESHOLDS, HEAP, PATCHING_YOUNG);
}
