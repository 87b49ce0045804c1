import PoolCore
import Synchronization

/// Request ids for requests that bring none: 16 hex digits, a random prefix drawn once per process and a counter,
/// so each request costs an atomic increment instead of a system call for randomness.
enum RequestIDs {
    private static let prefix = RandomText.hex(count: 8)
    private static let counter = Atomic<UInt32>(0)

    static func next() -> String {
        let (value, _) = counter.wrappingAdd(1, ordering: .relaxed)
        return prefix + withUnsafeBytes(of: value.bigEndian) { $0.hexString }
    }
}
