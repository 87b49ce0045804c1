import Foundation
import HTTPTypes
import PoolCore

/// The gateway's own answers when no key could serve a request.
extension ProxyEngine {
    /// 503 when every key of the provider rests, with the counts by state and when the first returns.
    func noUsableKey(provider: ProviderID, retryAt: Date?) -> GatewayError {
        let counts = pool.statusCounts(provider: provider)
        let resting = KeyStatus.allCases.filter { $0 != .active }.compactMap { status -> String? in
            guard let count = counts[status], count > 0 else { return nil }
            return "\(count) \(status.rawValue)"
        }
        var message = "no usable key in the \(provider) pool right now"
        if !resting.isEmpty { message += " (\(resting.joined(separator: ", ")))" }
        return GatewayError(.serviceUnavailable, message, code: .noUsableKey, headers: retryAfterHeader(retryAt))
    }

    /// 502 when the upstream failed on every attempt, else 503 with what the tried keys answered.
    func exhausted(
        provider: ProviderID, model: String?, failures: [AttemptOutcome], retryAt: Date?
    ) -> GatewayError {
        if case .upstreamFailure(let reason) = failures.last {
            return GatewayError(
                .badGateway, "the upstream failed on \(failures.count) attempt(s) with different keys; last: \(reason)",
                type: "upstream_error", code: .upstreamFailed, headers: [.xPoolAttempts: String(failures.count)]
            )
        }
        var reasons: [String] = []
        let rejected = failures.filter { if case .rejected = $0 { return true } else { return false } }.count
        let rateLimited = failures.filter { if case .rateLimited = $0 { return true } else { return false } }.count
        let outOfCredit = failures.filter { $0 == .outOfCredit }.count
        let failed = failures.count - rejected - rateLimited - outOfCredit
        if rateLimited > 0 { reasons.append("\(rateLimited) rate-limited (429)") }
        if outOfCredit > 0 { reasons.append("\(outOfCredit) out of credit (402)") }
        if rejected > 0 { reasons.append("\(rejected) rejected by the upstream (401/403)") }
        if failed > 0 { reasons.append("\(failed) failed") }
        let message =
            "tried \(failures.count) key(s) of the \(provider) pool and none could serve the request: "
            + reasons.joined(separator: ", ")
        var headers = retryAfterHeader(retryAt)
        headers[.xPoolAttempts] = String(failures.count)
        return GatewayError(.serviceUnavailable, message, code: .poolExhausted, headers: headers)
    }

    /// `Retry-After` in whole seconds until `retryAt`, at least one.
    func retryAfterHeader(_ retryAt: Date?) -> HTTPFields {
        guard let retryAt else { return [:] }
        let seconds = max(1, Int(retryAt.timeIntervalSince(clock.now).rounded(.up)))
        return [.retryAfter: String(seconds)]
    }
}
