import Foundation

/// How one client request ended, after all its attempts: the one category it is counted in.
///
/// The success rate is about the upstream, so only `success` and `upstreamFailure` are in it. A client error
/// (the upstream judged the request itself wrong) and a refusal (the gateway answered without asking any
/// upstream) are counted apart: neither says anything about how well the pool serves.
public enum RequestResult: Sendable, Hashable {
    /// The upstream answered 2xx.
    case success
    /// The upstream judged the client's request (400, 404, 413, 422, …) and its answer was passed back.
    case clientError
    /// Every attempt failed upstream (5xx, timeouts, connect errors, keys rejected, rate-limited or out of credit
    /// on every try): the gateway answered 502 or 503 on the upstream's behalf.
    case upstreamFailure
    /// The gateway refused the request before or without an upstream answer.
    case refused(RefusalReason)

    /// A request whose upstream answer with `status` was relayed to the client. Only 2xx and the client's own
    /// errors are ever relayed (the rest make the engine try another key), but any status is classified.
    public static func relayed(status: Int) -> RequestResult {
        switch AttemptOutcome.classify(status: status) {
        case .success: return .success
        case .clientError: return .clientError
        default: return .upstreamFailure
        }
    }

    /// A stream that started with a 2xx and ended with `outcome`. A client that leaves mid-stream was still
    /// served by the upstream, so it counts as a success; a stream that broke off is the upstream's failure.
    public static func streamEnded(_ outcome: AttemptOutcome) -> RequestResult {
        switch outcome {
        case .success, .cancelled: return .success
        case .clientError: return .clientError
        default: return .upstreamFailure
        }
    }

    /// A request the gateway answered itself with `status` and the machine-readable error `code` (the raw value
    /// of the server's `GatewayError.Code`, nil when the error has none).
    public static func gatewayAnswer(status: Int, code: String?) -> RequestResult {
        if let code, let known = byCode[code] { return known }
        switch status {
        case 401, 403: return .refused(.auth)
        case 414, 431: return .refused(.limits)
        case 400..<500: return .refused(.badRequest)
        case 503: return .refused(.overloaded)
        // Any other 5xx the gateway answers counts against the success rate: no category may hide a failure.
        default: return .upstreamFailure
        }
    }

    /// The gateway's error codes and what each says about the request.
    static let byCode: [String: RequestResult] = [
        "invalid_api_key": .refused(.auth),
        "provider_disabled": .refused(.providerDisabled),
        "no_keys": .refused(.noKey),
        "no_usable_key": .refused(.noKey),
        "model_not_found": .refused(.modelNotFound),
        "gateway_overloaded": .refused(.overloaded),
        "pool_exhausted": .upstreamFailure,
        "upstream_failed": .upstreamFailure,
        // A client token's limits, quotas and model list (issue #15).
        "rate_limit_exceeded": .refused(.limits),
        "insufficient_quota": .refused(.limits),
        "model_not_allowed": .refused(.auth),
    ]

    /// The error codes `gatewayAnswer` knows by name.
    public static var knownCodes: Set<String> { Set(byCode.keys) }
}
