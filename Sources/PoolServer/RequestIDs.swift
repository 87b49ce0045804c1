import PoolCore
import Synchronization

/// Request ids for requests that bring none: 16 hex digits, a random prefix drawn once per process and a counter,
/// so each request costs an atomic increment instead of a system call for randomness.
enum RequestIDs {
    private static let prefix = RandomText.hex(count: 8)
    private static let counter = Atomic<UInt32>(0)

    static func next() -> String {
        let (value, _) = counter.wrappingAdd(1, ordering: .relaxed)
        return prefix + hex8(value)
    }

    private static func hex8(_ value: UInt32) -> String {
        String(unsafeUninitializedCapacity: 8) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for position in 0..<8 {
                let nibble = Int((value >> (28 - 4 * UInt32(position))) & 0xF)
                buffer[position] = digits.utf8Start[nibble]
            }
            return 8
        }
    }
}
