package nci.tensor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Native buffers of many megabytes (a model's packed weights read from their file), zero-filled, on transparent huge
 * pages where Linux grants them: {@code mmap} of anonymous memory aligned to 2 MB, then {@code madvise(MADV_HUGEPAGE)}
 * before the first touch, through the foreign-function API. Elsewhere, or when this code may not call native functions (the JVM was
 * started without {@code --enable-native-access} for it), or when {@code -Dnci.hugePages=false}, or when a call
 * fails: {@link Arena#allocate}, on the ordinary pages.
 * <p>Why: every 4 KB page of a new buffer costs a page fault on its first touch, and on the Zen 5 test machine (a
 * virtual machine) a fault cost about 12 µs: 340 MB (GPT-2 small's packed layer weights) took 1.0 s to allocate
 * with {@link Arena#allocate}, which zeroes it, and about 1 s to read a file into; on huge pages the same read took
 * 43 ms (bench/README, "The packed copy in the process's own memory"). The contents are the same either way.
 * Reading them was no faster or slower on huge pages in the forward; but {@link Gemm#pack}'s matrices, each on its
 * own huge pages, made the sweep's products slower (see there), so they stay on ordinary pages.
 */
public final class LargeMemory {
    private LargeMemory() {}

    /** Huge page size on x86-64 and arm64 Linux (2 MB); buffers smaller than one are allocated as usual. */
    static final long HUGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;

    /** mmap, madvise, munmap; all null when not used. */
    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        if (enabled()) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
            } catch (RuntimeException | Error e) {
                mmap = madvise = munmap = null;
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    private static boolean enabled() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name", "").equals("Linux")
                && ("amd64".equals(arch) || "x86_64".equals(arch) || "aarch64".equals(arch))
                && !"false".equals(System.getProperty("nci.hugePages"))
                && LargeMemory.class.getModule().isNativeAccessEnabled();
    }

    /** Whether {@link #allocate} asks for huge pages here (they are the kernel's to grant or not). */
    public static boolean hugePages() { return MMAP != null; }

    /**
     * {@code bytes} of zero-filled native memory, 64-byte aligned (2 MB when on huge pages), freed when {@code arena}
     * closes (an automatic arena's, when the segment is unreachable).
     */
    public static MemorySegment allocate(Arena arena, long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        if (MMAP == null || bytes < HUGE) return arena.allocate(bytes, 64);
        long span = bytes + HUGE; // room to start at a 2 MB boundary
        MemorySegment mapped;
        try {
            mapped = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, span, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            return arena.allocate(bytes, 64);
        }
        if (mapped.address() == -1L) return arena.allocate(bytes, 64); // MAP_FAILED
        long start = (mapped.address() + HUGE - 1) & -HUGE;
        MemorySegment segment = MemorySegment.ofAddress(start);
        try {
            int ignored = (int) MADVISE.invokeExact(segment, bytes, MADV_HUGEPAGE); // refused: ordinary pages
        } catch (Throwable e) {
            // the memory is usable on ordinary pages
        }
        long base = mapped.address();
        return segment.reinterpret(bytes, arena, s -> unmap(base, span));
    }

    private static void unmap(long address, long span) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), span);
        } catch (Throwable e) {
            throw new IllegalStateException("munmap of " + span + " bytes at " + Long.toHexString(address) + " failed", e);
        }
    }
}
