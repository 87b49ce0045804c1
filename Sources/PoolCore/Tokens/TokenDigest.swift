import Crypto

/// The SHA-256 of a client token as four words: what the registry looks a presented token up by. Built straight
/// from the token's UTF-8 bytes, with no `Data`, no hex text and no string hashing on the request path (the token
/// check was ~19,000 instructions of a proxied request that way); the store keeps the same digest as hex
/// (`ClientTokenRecord.tokenHash`).
public struct TokenDigest: Hashable, Sendable {
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// The digest of a presented token.
    public init(presented token: String) {
        var hasher = SHA256()
        var token = token
        token.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        words = hasher.finalize().withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }

    /// The digest a stored `tokenHash` (64 hex digits) spells, or nil when it spells none.
    public init?(hex: String) {
        guard let bytes = [UInt8](hexString: hex), bytes.count == 32 else { return nil }
        words = bytes.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }

    public static func == (lhs: TokenDigest, rhs: TokenDigest) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    /// A digest is uniformly random already: its first word is as good a hash as all four.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
    }
}

/// The digest of the token a client connection presented last. Clients send the same token with every request on
/// a keep-alive connection, so its SHA-256 (~3,300 instructions, 2 % of a proxied request) is made once per
/// connection and token rather than once per request. The registry is still asked on every request, so a revoked
/// or expired token is refused at once. It holds the raw token for the connection's life, as the connection's own
/// buffers do while a request is read, and only the same connection's next token is compared with it.
public struct TokenDigestMemo: Sendable {
    private var presented = ""
    private var digest: TokenDigest?

    public init() {}

    /// The digest of `token`, made only when it differs from the last one's.
    public mutating func digest(of token: String) -> TokenDigest {
        if let digest, token == presented { return digest }
        let made = TokenDigest(presented: token)
        presented = token
        digest = made
        return made
    }
}
