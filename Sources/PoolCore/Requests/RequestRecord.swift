import Foundation

/// One proxied client request as the operator sees it afterwards: who asked, what for, which keys were tried
/// and how each went, and how it ended. Built on the request path as the request goes (no I/O, no lock) and
/// handed to the request observers once when it ends: the request log, the metrics, the access log.
/// Never holds a secret or the request's text (bodies are the request log's business, and only with
/// `LOG_BODIES=1`).
public struct RequestRecord: Sendable, Equatable {
    /// How one upstream attempt went, in the words of the metrics' `outcome` label.
    public enum AttemptResult: String, Sendable, Codable, CaseIterable {
        case success
        /// 401/403: the upstream refused the key.
        case rejected
        case rateLimited = "rate_limited"
        case outOfCredit = "out_of_credit"
        /// 5xx, connect error, timeout, a stream that broke off.
        case failed
        /// The client left before the attempt ended.
        case cancelled
        /// The upstream answered 4xx other than the above: the client's fault, relayed.
        case clientError = "client_error"
    }

    /// One upstream attempt with one key.
    public struct Attempt: Sendable, Equatable, Codable {
        /// The key's id (`k_…`, safe to show), never its secret.
        public var keyID: String
        public var result: AttemptResult
        /// The upstream's status, when it answered.
        public var status: Int?
        /// From the attempt's start to its end (for a stream, the stream's end).
        public var seconds: Double
        /// Why it failed, in the gateway's words (never an upstream body or a secret).
        public var error: String?

        public init(keyID: String, result: AttemptResult, status: Int?, seconds: Double, error: String? = nil) {
            self.keyID = keyID
            self.result = result
            self.status = status
            self.seconds = seconds
            self.error = error
        }
    }

    /// The request's `x-request-id`.
    public var id: String
    /// When the request's head arrived (wall clock, the injected `PoolClock`).
    public var startedAt: Date
    /// The client token's id and name (nil: the open gateway without tokens, or refused before the token was known).
    public var tokenID: String?
    public var tokenName: String?
    public var provider: ProviderID
    /// The route as the upstream path it goes to (a bounded set, fit for a metrics label), e.g.
    /// `/v1/chat/completions`, `/api/chat`, `/v1/messages`.
    public var route: String
    /// The model the body named (nil: none, or refused before the body was read).
    public var model: String?
    public var stream: Bool
    /// The status the client got.
    public var status: Int
    /// From the head's arrival to the answer's last byte.
    public var seconds: Double
    /// From the head's arrival to the answer's first byte (nil: no answer byte left, e.g. the client left).
    public var firstByteSeconds: Double?
    /// Time spent waiting on the upstream (sum over attempts): `seconds - upstreamSeconds` is the gateway's own.
    public var upstreamSeconds: Double
    public var attempts: [Attempt]
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Answered from the response cache or the model-list cache, with no upstream attempt.
    public var cached: Bool
    /// The gateway's error message when it answered with an error of its own (never a secret).
    public var error: String?
    /// The request's body as text, at most ``bodyLimit`` bytes of it; only with `LOG_BODIES=1`, else nil.
    public var body: String?

    /// The most of a request body a record keeps.
    public static let bodyLimit = 64 * 1024

    public init(
        id: String, startedAt: Date, tokenID: String? = nil, tokenName: String? = nil, provider: ProviderID,
        route: String, model: String? = nil, stream: Bool = false, status: Int = 0, seconds: Double = 0,
        firstByteSeconds: Double? = nil, upstreamSeconds: Double = 0, attempts: [Attempt] = [],
        promptTokens: Int? = nil, completionTokens: Int? = nil, cached: Bool = false, error: String? = nil,
        body: String? = nil
    ) {
        self.id = id
        self.startedAt = startedAt
        self.tokenID = tokenID
        self.tokenName = tokenName
        self.provider = provider
        self.route = route
        self.model = model
        self.stream = stream
        self.status = status
        self.seconds = seconds
        self.firstByteSeconds = firstByteSeconds
        self.upstreamSeconds = upstreamSeconds
        self.attempts = attempts
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cached = cached
        self.error = error
        self.body = body
    }

    /// The gateway's own time: everything but waiting on the upstream.
    public var overheadSeconds: Double { max(0, seconds - upstreamSeconds) }
}
