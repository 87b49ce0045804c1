import Crypto
import Foundation

/// A client token as stored: never the token itself, only its SHA-256.
public struct ClientTokenRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    /// Lowercase hex SHA-256 of the full token.
    public var tokenHash: String
    /// The first characters of the token, for recognising it in lists.
    public var prefix: String
    public var createdAt: Date
    public var expiresAt: Date?
    /// When set, the token only opens this provider's routes.
    public var provider: ProviderID?
    public var requestCount: Int

    public init(
        id: String, name: String, tokenHash: String, prefix: String, createdAt: Date, expiresAt: Date?,
        provider: ProviderID?, requestCount: Int = 0
    ) {
        self.id = id
        self.name = name
        self.tokenHash = tokenHash
        self.prefix = prefix
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.provider = provider
        self.requestCount = requestCount
    }

    public func isExpired(at now: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= now
    }
}

/// Makes and hashes client tokens.
public enum ClientTokenFactory {
    /// Characters a token is drawn from (62 symbols).
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// A new token (`sk-` + 48 characters from the system CSPRNG) and the record that stores only its hash.
    public static func make(
        name: String, createdAt: Date, expiresAt: Date?, provider: ProviderID?
    ) -> (token: String, record: ClientTokenRecord) {
        var generator = SystemRandomNumberGenerator()
        let body = String((0..<48).map { _ in alphabet.randomElement(using: &generator)! })
        let token = "sk-" + body
        let record = ClientTokenRecord(
            id: "tok_" + RandomText.hex(count: 12),
            name: name,
            tokenHash: hash(token),
            prefix: String(token.prefix(10)),
            createdAt: createdAt,
            expiresAt: expiresAt,
            provider: provider
        )
        return (token, record)
    }

    /// Lowercase hex SHA-256 of a presented token.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }
}

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
