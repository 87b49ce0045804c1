import HTTPTypes
import NIOCore
import NIOHTTP1
import PoolCore

/// Client token policies, per-IP protection and the response cache on a proxied request (issue #15): every check
/// is a synchronous call into `ProxyAdmission`, made before a key is spent.
extension ProxiedRequest {
    /// Before authentication: a locked-out address, or one over `IP_RPM`, gets a 429.
    func clientRefusal() -> GatewayError? {
        engine.admission.checkClient(clientAddress).map(Self.error(for:))
    }

    /// A presented client token that was refused counts against the address (a missing one does not).
    func noteAuthFailure(presented: String?) {
        guard let presented, !presented.isEmpty else { return }
        engine.admission.recordAuthFailure(clientAddress)
    }

    /// After the body: the token's model list and limits; nil when the request may go on (and is counted).
    func admitToken() -> GatewayError? {
        guard let token else { return nil }
        switch engine.admission.admit(token, model: route.method == .post ? model : nil) {
        case .success(let headers):
            rateLimitHeaders = headers
            return nil
        case .failure(let refusal):
            var error = Self.error(for: refusal)
            for (name, value) in ProxyAdmission.headerFields(token.limiter.usageHeaders(now: engine.clock.now)) {
                if let field = HTTPField.Name(name) { error.headers[field] = value }
            }
            return error
        }
    }

    /// A fresh cached answer for this token, route and body is written at once (no key spent); else the key to
    /// keep the answer under is remembered.
    func answerFromResponseCache() -> Bool {
        // Most tokens cache nothing: then no path is split and no body copied.
        guard let token, route.method == .post, engine.admission.caches(token) else { return false }
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard
            let key = engine.admission.cacheKey(
                token, provider: route.provider, route: path, stream: wantsStream,
                cacheControl: head.headers.first(name: "cache-control"), body: Array(body.readableBytesView))
        else { return false }
        guard let cached = engine.admission.cached(key) else {
            cacheKey = key
            return false
        }
        var headers = ResponseHeaderList(capacity: cached.headers.count + 8)
        for field in cached.headers { headers.add(field.name, field.value) }
        headers.add("x-pool-cache", "hit")
        headers.add("x-pool-attempts", "0")
        headers.add("x-request-id", requestID)
        addLimitHeaders(&headers)
        trace?.record.cached = true
        writeWhole(.ok, headers, body: ByteBuffer(bytes: cached.body))
        return true
    }

    /// Keeps a status-200 answer when this request may be cached.
    func keepInResponseCache(_ headers: ResponseHeaderList, body: ByteBuffer) {
        guard let cacheKey, let token else { return }
        let fields = headers.fields.map { CachedResponse.HeaderField(name: $0.name, value: $0.value) }
        engine.admission.store(
            CachedResponse(headers: fields, body: Array(body.readableBytesView)), for: cacheKey, token: token)
    }

    /// Counts the answer's tokens against the token's limits (nothing when the usage is unknown).
    func recordTokens(_ usage: TokenUsage?) {
        guard let token, let usage else { return }
        engine.admission.record(token, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
    }

    /// `x-ratelimit-*` for a token with an RPM or TPM limit.
    func addLimitHeaders(_ headers: inout ResponseHeaderList) {
        for (name, value) in ProxyAdmission.headerFields(rateLimitHeaders) { headers.add(name, value) }
    }

    static func error(for refusal: ProxyRefusal) -> GatewayError {
        let code: GatewayError.Code =
            switch refusal.code {
            case "model_not_allowed": .modelNotAllowed
            case "insufficient_quota": .insufficientQuota
            default: .rateLimitExceeded
            }
        var headers = HTTPFields()
        if let wait = refusal.retryAfter { headers[.retryAfter] = String(wait) }
        return GatewayError(
            refusal.status == 403 ? .forbidden : .tooManyRequests, refusal.message, code: code, headers: headers)
    }
}
