import Foundation

/// A key handed to one request attempt; give it back with `KeyPool.report`.
public struct KeyLease: Sendable {
    public let key: PooledKey
    /// True when the key's disable window has passed and this attempt decides whether it returns.
    public let isTrial: Bool
}

/// The answer to "which key should this attempt use?".
public enum LeaseResult: Sendable {
    case leased(KeyLease)
    /// The provider has keys but none is usable now; `retryAt` is the earliest moment one returns by itself.
    case noneUsable(retryAt: Date?)
    /// The provider has no keys at all.
    case empty
    /// The request names a model that no key of the provider serves, in any state; `model` is as the client
    /// sent it. Distinct from `noneUsable`: waiting will not help.
    case modelNotServed(model: String)
}
