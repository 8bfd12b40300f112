package nci.patching;

/**
 * What {@link Branch} answers for a path. The seed's {@code branch} returns {@code False}, {@code True},
 * {@code "heads"} or {@code "positions"}; how each is read depends on the node the path ends in:
 * <ul>
 * <li>{@code aN}, {@code fN}, {@code aN.headH}: anything but {@link #NONE} splits (residual vs head; q/k/v).</li>
 * <li>{@code aN.head}: {@link #SPLIT} and {@link #HEADS} split into heads, {@link #POSITIONS} into positions.</li>
 * <li>{@code fN.head}: only {@link #POSITIONS} has an effect.</li>
 * </ul>
 */
public enum Split {
    /** The seed's {@code False}: evaluate the node as one computation. */
    NONE,
    /** The seed's {@code True}. */
    SPLIT,
    /** The seed's {@code "heads"}. */
    HEADS,
    /** The seed's {@code "positions"}. */
    POSITIONS;

    /** Whether the seed would treat this as truthy. */
    public boolean truthy() { return this != NONE; }
}
