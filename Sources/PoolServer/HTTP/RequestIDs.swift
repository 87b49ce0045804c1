import PoolCore
import Synchronization

/// Request ids for requests that bring none: 15 hex digits, a random prefix drawn once per process and a counter,
/// so each request costs an atomic increment instead of a system call for randomness. Fifteen, not sixteen: Swift
/// keeps a string of up to 15 UTF-8 bytes inline, so an id costs no allocation, in the request nor in the request
/// log's records.
enum RequestIDs {
    private static let prefix = RandomText.hex(count: 7)
    private static let counter = Atomic<UInt32>(0)

    static func next() -> String {
        let (value, _) = counter.wrappingAdd(1, ordering: .relaxed)
        return prefix + withUnsafeBytes(of: value.bigEndian) { $0.hexString }
    }
}
