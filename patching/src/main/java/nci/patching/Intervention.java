package nci.patching;

/** A branch function and a which function: everything an experiment decides, besides its inputs. */
public record Intervention(Branch branch, Which which) {
    public Intervention {
        if (branch == null) throw new IllegalArgumentException("intervention: branch is null");
        if (which == null) throw new IllegalArgumentException("intervention: which is null");
    }
}
