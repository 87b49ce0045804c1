import Crypto
import Foundation

extension Sequence where Element == UInt8 {
    /// Lowercase hex of the bytes.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Digest {
    /// Lowercase hex of the digest.
    public var hexString: String { Array(self.makeIterator()).hexString }
}
