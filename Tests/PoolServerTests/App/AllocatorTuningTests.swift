import PoolServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Allocator tuning at start")
struct AllocatorTuningTests {
    #if canImport(Glibc)
    @Test("glibc's mmap threshold is fixed, unless the operator set MALLOC_MMAP_THRESHOLD_")
    func fixesThreshold() {
        #expect(AllocatorTuning.fixMmapThreshold())
        setenv("MALLOC_MMAP_THRESHOLD_", "262144", 1)
        defer { unsetenv("MALLOC_MMAP_THRESHOLD_") }
        #expect(!AllocatorTuning.fixMmapThreshold())
    }
    #endif
}
