import Foundation

/// What the limiter answers for one request: go ahead (with the values of the `x-ratelimit-*` headers), or no.
public enum LimitDecision: Sendable, Equatable {
    case allowed(RateLimitHeaders)
    case refused(LimitRefusal)
}

/// One OpenAI-style header trio: `x-ratelimit-limit-*`, `x-ratelimit-remaining-*`, `x-ratelimit-reset-*`.
public struct RateLimitTrio: Sendable, Equatable {
    public var limit: Int
    public var remaining: Int
    /// Seconds until the window starts over.
    public var resetSeconds: Int

    public init(limit: Int, remaining: Int, resetSeconds: Int) {
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
    }

    /// The reset as OpenAI writes it (`12s`).
    public var resetText: String { "\(resetSeconds)s" }
}

/// The header values of an admitted request: the requests trio when the token has an RPM limit, the tokens trio
/// when it has a TPM limit; neither for an unlimited token.
public struct RateLimitHeaders: Sendable, Equatable {
    public var requests: RateLimitTrio?
    public var tokens: RateLimitTrio?

    public init(requests: RateLimitTrio? = nil, tokens: RateLimitTrio? = nil) {
        self.requests = requests
        self.tokens = tokens
    }

    public static let none = RateLimitHeaders()
}

/// Why a request was refused: which limit, how high it is, and when to come back.
public struct LimitRefusal: Sendable, Equatable {
    public var kind: LimitKind
    public var limit: Int
    /// Whole seconds until the limit's window starts over (at least 1); nil when it never does (`total` quotas).
    public var retryAfter: Int?
    /// When the window starts over; nil for `total` quotas.
    public var resetsAt: Date?
    /// The quota period, for quota refusals.
    public var period: QuotaPeriod?

    public init(kind: LimitKind, limit: Int, retryAfter: Int?, resetsAt: Date?, period: QuotaPeriod?) {
        self.kind = kind
        self.limit = limit
        self.retryAfter = retryAfter
        self.resetsAt = resetsAt
        self.period = period
    }

    /// The message for the client: which limit and when it resets.
    public var message: String {
        let reset: String
        if let resetsAt {
            let formatter = ISO8601DateFormatter()
            reset = "; it resets at \(formatter.string(from: resetsAt)) (in \(retryAfter ?? 1) s)"
        } else {
            reset = "; it does not reset"
        }
        switch kind {
        case .requestsPerMinute, .tokensPerMinute:
            return "rate limit exceeded: this token may use \(limit) \(kind.label)\(reset)"
        case .requestQuota, .tokenQuota:
            let per = period.map { $0 == .total ? "in total" : "per \($0.rawValue)" } ?? "in total"
            return "\(kind.label) exhausted: this token may use \(limit) \(kind.countsTokens ? "tokens" : "requests") "
                + "\(per)\(reset)"
        }
    }
}
