import Foundation

/// What one upstream attempt says about the key that served it (see the table in upstream-apis.md).
public enum AttemptOutcome: Sendable, Equatable {
    /// 2xx.
    case success
    /// 401 or 403: the upstream rejected the key.
    case rejected(status: Int)
    /// 402: the key is out of credit.
    case outOfCredit
    /// 429, with the upstream's Retry-After in seconds when it gave one.
    case rateLimited(retryAfter: TimeInterval?)
    /// 5xx, a connect error or a timeout: maybe the key, maybe the provider.
    case upstreamFailure(reason: String)
    /// The client's request was wrong (400, 404, 413, 422, ...): not the key's fault.
    case clientError(status: Int)
    /// The client went away before the attempt finished.
    case cancelled

    /// Classifies an upstream HTTP status. `retryAfter` is the raw Retry-After header, if any.
    public static func classify(status: Int, retryAfter: String? = nil, now: Date = Date()) -> AttemptOutcome {
        switch status {
        case 200..<300: return .success
        case 401, 403: return .rejected(status: status)
        case 402: return .outOfCredit
        case 429: return .rateLimited(retryAfter: retryAfter.flatMap { RetryAfter.seconds(from: $0, now: now) })
        case 500..<600: return .upstreamFailure(reason: "upstream answered \(status)")
        default: return .clientError(status: status)
        }
    }

    /// True when another key may succeed where this one failed.
    public var shouldRetryOnAnotherKey: Bool {
        switch self {
        case .rejected, .outOfCredit, .rateLimited, .upstreamFailure: return true
        case .success, .clientError, .cancelled: return false
        }
    }

    /// True when the failure is the key's own (as opposed to the provider's or the client's).
    public var isKeyProblem: Bool {
        switch self {
        case .rejected, .outOfCredit, .rateLimited: return true
        default: return false
        }
    }

    /// Counts towards the key's failure statistics.
    public var countsAsFailure: Bool {
        switch self {
        case .rejected, .outOfCredit, .rateLimited, .upstreamFailure: return true
        case .success, .clientError, .cancelled: return false
        }
    }
}
