import Foundation

/// Why the gateway answered a client request itself, without an upstream answer to relay. Stored by raw value
/// (the `refusal_stats` table, the statistics answers), so a raw value never changes once shipped.
public enum RefusalReason: String, CaseIterable, Sendable, Hashable {
    /// Missing, unknown, expired or wrongly scoped client token (401).
    case auth
    /// The body was empty, not a JSON object, not JSON, or over `MAX_BODY_BYTES` (400, 413).
    case badRequest = "bad_request"
    /// The request head was over the header or URI limits (431, 414).
    case limits
    /// No key of the pool serves the requested model (404).
    case modelNotFound = "model_not_found"
    /// The pool has no key, or none usable right now (503).
    case noKey = "no_key"
    /// This machine ran out of descriptors, buffers or memory (503).
    case overloaded
    /// The provider is turned off on this gateway (503).
    case providerDisabled = "provider_disabled"
}
