import Foundation

/// What a probe (a deliberate, cheap request made only to learn about a key) says about that key.
///
/// Probes answer the same question as traffic but are read more carefully: a 429 or 402 proves the upstream
/// knows the key, and an answer that is neither an auth failure nor a success proves nothing either way.
public enum ProbeOutcome: Sendable, Equatable {
    /// 2xx: the key works now.
    case valid
    /// 401 or 403: the upstream does not accept the key.
    case invalid(status: Int)
    /// 402 (or a credit limit already used up): the key is real but cannot pay for requests.
    case outOfCredit
    /// 429: the key is real but resting; the upstream's Retry-After in seconds when it gave one.
    case rateLimited(retryAfter: TimeInterval?)
    /// 5xx, a connect error or a timeout: the upstream could not answer, so the key's quality is unknown.
    case upstreamError(reason: String)
    /// Any other status (e.g. 404 because the probe model is not offered): the key got past authentication,
    /// but the probe did not show that it can serve.
    case inconclusive(status: Int)

    /// Classifies the HTTP status of a probe. `retryAfter` is the raw Retry-After header, if any.
    public static func classify(status: Int, retryAfter: String? = nil, now: Date = Date()) -> ProbeOutcome {
        switch status {
        case 200..<300: return .valid
        case 401, 403: return .invalid(status: status)
        case 402: return .outOfCredit
        case 429: return .rateLimited(retryAfter: retryAfter.flatMap { RetryAfter.seconds(from: $0, now: now) })
        case 500..<600: return .upstreamError(reason: "upstream answered \(status)")
        default: return .inconclusive(status: status)
        }
    }

    /// The word the admin API uses for this outcome.
    public var name: String {
        switch self {
        case .valid: return "valid"
        case .invalid: return "invalid"
        case .outOfCredit: return "out_of_credit"
        case .rateLimited: return "rate_limited"
        case .upstreamError: return "upstream_error"
        case .inconclusive: return "inconclusive"
        }
    }

    /// True when the upstream recognised the key, even if it cannot serve right now.
    public var keyIsGenuine: Bool {
        switch self {
        case .valid, .outOfCredit, .rateLimited: return true
        case .invalid, .upstreamError, .inconclusive: return false
        }
    }

    /// True for a rejection (401/403).
    public var isInvalid: Bool {
        if case .invalid = self { return true }
        return false
    }

    /// A sentence for people, free of secrets.
    public var reason: String {
        switch self {
        case .valid: return "the key works"
        case .invalid(let status): return "rejected by the upstream (\(status))"
        case .outOfCredit: return "out of credit (402)"
        case .rateLimited: return "rate limited (429)"
        case .upstreamError(let reason): return reason
        case .inconclusive(let status): return "the probe got an unexpected answer (\(status))"
        }
    }
}
