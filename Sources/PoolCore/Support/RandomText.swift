import Crypto
import Foundation

/// Random identifiers from the system CSPRNG.
public enum RandomText {
    /// `count` random lowercase hex digits, sixteen from each 64 random bits.
    public static func hex(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: count) { buffer in
            var bits: UInt64 = 0
            for position in 0..<count {
                if position % 16 == 0 { bits = generator.next() }
                buffer[position] = digits.utf8Start[Int(bits & 0xF)]
                bits >>= 4
            }
            return count
        }
    }
}
