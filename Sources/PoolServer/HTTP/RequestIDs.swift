import PoolCore
import Synchronization

/// Request ids for requests that bring none: 15 hex digits, a random prefix drawn once per process and a counter,
/// so each request costs an atomic increment instead of a system call for randomness. Fifteen, not sixteen: Swift
/// keeps a string of up to 15 UTF-8 bytes inline, so an id costs no allocation, in the request nor in the request
/// log's records.
enum RequestIDs {
    private static let prefix = Array(RandomText.hex(count: 7).utf8)
    private static let counter = Atomic<UInt32>(0)
    private static let digits: StaticString = "0123456789abcdef"

    static func next() -> String {
        let (value, _) = counter.wrappingAdd(1, ordering: .relaxed)
        // Written in place: no intermediate arrays or concatenation on the request path.
        return String(unsafeUninitializedCapacity: 15) { out in
            for index in 0..<7 { out[index] = prefix[index] }
            let digits = Self.digits.utf8Start
            for place in 0..<8 { out[7 + place] = digits[Int(truncatingIfNeeded: value >> (28 - 4 * place)) & 0x0f] }
            return 15
        }
    }
}
