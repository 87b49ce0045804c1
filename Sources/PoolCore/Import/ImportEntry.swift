import Foundation

/// One key accepted by an import, in the order it appeared.
public struct ImportEntry: Sendable, Equatable {
    /// The upstream secret, trimmed and validated; never shown in an ``ImportProblem``. Empty for a keyless
    /// endpoint (a self-hosted server that needs no key; see `baseURL`).
    public var secret: String
    /// Who the key belongs to, when the input said so; `nil` when absent or blank.
    public var username: String?
    /// 1-based line number in text, or 1-based index of the element in a JSON array.
    public var line: Int
    /// The key's own upstream root (a self-hosted server), validated and without a trailing slash; nil uses the
    /// provider's.
    public var baseURL: String?
    /// The weight and tier the input gave (defaults 1 and 1).
    public var placement: KeyPlacement

    /// Builds an entry; the parser passes already-trimmed values, with a blank username as `nil`.
    public init(
        secret: String, username: String? = nil, line: Int, baseURL: String? = nil,
        placement: KeyPlacement = KeyPlacement()
    ) {
        self.secret = secret
        self.username = username
        self.line = line
        self.baseURL = baseURL
        self.placement = placement
    }

    /// What makes two entries the same key (see `KeyIdentity`).
    public var identity: String { KeyIdentity.of(baseURL: baseURL, secret: secret) }
}
