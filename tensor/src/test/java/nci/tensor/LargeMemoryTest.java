package nci.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LargeMemoryTest {

    /**
     * The tests run with native access enabled (the build's JVM flags), so on x86-64 or arm64 Linux the buffer comes
     * from mmap, starts at a 2 MB boundary and is advised onto huge pages; it is zero-filled, writable end to end, and
     * gone when its arena closes.
     */
    @Test
    void aLargeBufferIsZeroedWritableAndOnHugePagesWhereLinuxAllows() {
        long bytes = 5 * LargeMemory.HUGE + 12;
        String os = System.getProperty("os.name"), arch = System.getProperty("os.arch");
        boolean linux = os.equals("Linux") && (arch.equals("amd64") || arch.equals("aarch64"));
        assertEquals(linux, LargeMemory.hugePages(), "huge pages asked for on " + os + " " + arch);
        MemorySegment s;
        try (Arena arena = Arena.ofConfined()) {
            s = LargeMemory.allocate(arena, bytes);
            assertEquals(bytes, s.byteSize());
            assertTrue(s.isNative());
            assertEquals(0, s.address() % (LargeMemory.hugePages() ? LargeMemory.HUGE : 64), "alignment");
            for (long at = 0; at < bytes; at += 4093) assertEquals(0, s.get(ValueLayout.JAVA_BYTE, at), "byte " + at);
            s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 1.5f);
            s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, bytes - 4, -2.5f);
            assertEquals(1.5f, s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
            assertEquals(-2.5f, s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, bytes - 4));
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, bytes));
        }
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0), "freed with its arena");
    }

    /** Under one huge page: the arena's own allocation. */
    @Test
    void aSmallBufferIsTheArenasOwn() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = LargeMemory.allocate(arena, 1000);
            assertEquals(1000, s.byteSize());
            assertEquals(0, s.address() % 64);
            for (long at = 0; at < 1000; at++) assertEquals(0, s.get(ValueLayout.JAVA_BYTE, at));
        }
    }

    @Test
    void aNegativeSizeIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LargeMemory.allocate(arena, -1));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
        }
    }

    /** The kernel is asked, and (where THP is not off) grants huge pages to a buffer once it is touched. */
    @Test
    void theKernelBacksATouchedBufferWithHugePagesUnlessTHPIsOff() throws Exception {
        Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        assumeTrue(LargeMemory.hugePages() && Files.isReadable(thp) && !Files.readString(thp).contains("[never]"),
                "huge pages not asked for here, or transparent huge pages off");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = LargeMemory.allocate(arena, 8 * LargeMemory.HUGE);
            for (long at = 0; at < s.byteSize(); at += 4096) s.set(ValueLayout.JAVA_BYTE, at, (byte) 1);
            String start = Long.toHexString(s.address());
            // the mapping that holds the buffer, in this process's smaps: its AnonHugePages
            String smaps = Files.readString(Path.of("/proc/self/smaps"));
            long huge = -1;
            boolean in = false;
            for (String line : smaps.split("\n")) {
                if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                    String[] range = line.substring(0, line.indexOf(' ')).split("-");
                    long lo = Long.parseUnsignedLong(range[0], 16), hi = Long.parseUnsignedLong(range[1], 16);
                    in = lo <= s.address() && s.address() < hi;
                } else if (in && line.startsWith("AnonHugePages:")) {
                    huge = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            assertTrue(huge >= 0, "no mapping holds " + start);
            // memory too fragmented for any huge page is possible but rare; a 16 MB touched buffer gets some
            assertTrue(huge > 0, "no huge pages under the buffer at " + start + " (AnonHugePages 0)");
        }
    }
}
