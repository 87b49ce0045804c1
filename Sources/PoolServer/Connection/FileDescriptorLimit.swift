#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A gateway holds two descriptors per proxied request (client and upstream) plus idle keep-alive ones, so the
/// usual soft limit of 1,024 is reached long before the CPU is busy. `serve` raises the soft limit to the hard
/// limit before it listens.
public enum FileDescriptorLimit {
    /// Raises the soft limit to the hard one; returns the soft limit before and after (equal when it could not).
    public static func raiseToHardLimit() -> (before: UInt64, after: UInt64) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, 0) }
        let before = UInt64(limit.rlim_cur)
        guard limit.rlim_cur < limit.rlim_max else { return (before, before) }
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (before, before) }
        return (before, UInt64(limit.rlim_cur))
    }

    /// The soft limit now, at most a million (1,024 when it cannot be read).
    public static var current: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: min(UInt64(limit.rlim_cur), 1_000_000))
    }
}
