package nci.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one switch between the Vector API kernels and their scalar twins, and what the CLI prints about it.
 * {@code -Dnci.vector=false} makes every public kernel dispatch to its {@code ...Scalar} twin; the value is
 * read once, at class initialisation, so the JIT folds the branch away. The {@code ...Vector} methods stay
 * callable either way, which is how the tests hold them to the scalar twins.
 */
public final class VectorInfo {
    private VectorInfo() {}

    /** The species every kernel uses: the widest the CPU runs natively (8 lanes on AVX2, 16 on AVX-512). */
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** True unless {@code -Dnci.vector=false}. */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("nci.vector", "true").trim());

    /** Whether the public kernels use the Vector API (false under {@code -Dnci.vector=false}). */
    public static boolean enabled() { return ENABLED; }

    /** Float lanes per vector of the preferred species. */
    public static int lanes() { return SPECIES.length(); }

    /** One line for logs and the CLI, e.g. {@code "vector: on, Species[float, 8, S_256_BIT], 8 float lanes, 2 threads"}. */
    public static String describe() {
        return "vector: " + (ENABLED ? "on" : "off (-Dnci.vector=false, scalar kernels)")
                + ", " + SPECIES + ", " + SPECIES.length() + " float lanes, "
                + Parallel.threads() + " thread" + (Parallel.threads() == 1 ? "" : "s");
    }
}
