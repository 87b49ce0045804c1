#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator raises its mmap threshold each time a mapped block is freed (up to 32 MB), after which the
/// gateway's large, short-lived buffers (the request log's batches, per-key statistics batches) come from the
/// per-thread arenas, and the holes they leave stay resident. Under load with 100,000 keys that was ~9 MB of the
/// peak resident set (issue #13). A fixed threshold keeps such blocks mapped and returns them when freed; they are
/// a few a second, never on the request path.
public enum AllocatorTuning {
    /// The fixed threshold: glibc's own starting value, which it then stops raising.
    public static let mmapThreshold: Int32 = 128 * 1024
    /// `M_MMAP_THRESHOLD` in glibc's <malloc.h>.
    private static let mmapThresholdParameter: Int32 = -3

    /// Fixes the threshold unless the operator set glibc's `MALLOC_MMAP_THRESHOLD_`; true when it was fixed here.
    @discardableResult
    public static func fixMmapThreshold() -> Bool {
        #if canImport(Glibc)
        guard getenv("MALLOC_MMAP_THRESHOLD_") == nil else { return false }
        // `mallopt` is in <malloc.h>, which the Glibc module leaves out: looked up by name, with C's convention.
        // A C library without it (musl) leaves the allocator as it is.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        return unsafeBitCast(symbol, to: Mallopt.self)(mmapThresholdParameter, mmapThreshold) == 1
        #else
        return false
        #endif
    }
}
