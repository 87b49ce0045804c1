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
    /// Limits, model list, cache scope and note (issue #15); the empty policy is unlimited.
    public var policy: TokenPolicy

    public init(
        id: String, name: String, tokenHash: String, prefix: String, createdAt: Date, expiresAt: Date?,
        provider: ProviderID?, requestCount: Int = 0, policy: TokenPolicy = TokenPolicy()
    ) {
        self.id = id
        self.name = name
        self.tokenHash = tokenHash
        self.prefix = prefix
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.provider = provider
        self.requestCount = requestCount
        self.policy = policy
    }

    public func isExpired(at now: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= now
    }
}
