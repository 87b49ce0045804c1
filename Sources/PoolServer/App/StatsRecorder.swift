import Foundation
import HTTPTypes
import PoolCore

/// Counts finished client requests of the proxied routes into the traffic counters, each once, in the one
/// `RequestResult` category it belongs to. The proxy front (`ProxiedRequest`) counts what it serves and what it
/// refuses at the edge (limits, client tokens, a disabled provider); `ErrorDialectMiddleware` counts what
/// Hummingbird refuses on a proxied path (the heads `RequestLimitsMiddleware` refuses before routing).
struct StatsRecorder: Sendable {
    let traffic: TrafficCounters
    let clock: any PoolClock
    /// The catalog's routes, which say the provider of a proxied path (nil: the built-ins' only).
    var providers: ProviderRegistry?

    /// A request the engine finished, with the model its body named (nil: none), counted in the model's hour too.
    func record(provider: ProviderID, model: String?, result: RequestResult) {
        traffic.record(provider: provider, model: model, result: result, at: clock.now)
    }

    /// A request that ended before the gateway knew which model it was for (a bad client token, an oversized
    /// head or body, a body that is not JSON): counted in the provider's totals only.
    func recordWithoutModel(provider: ProviderID, result: RequestResult) {
        traffic.record(provider: provider, result: result)
    }

    /// A request refused before the gateway knew which model it was for.
    func refused(provider: ProviderID, reason: RefusalReason) {
        recordWithoutModel(provider: provider, result: .refused(reason))
    }

    /// What the gateway's own error answer says about a request.
    static func result(of error: GatewayError) -> RequestResult {
        .gatewayAnswer(status: Int(error.status.code), code: error.code?.rawValue)
    }

    /// Counts a refusal that `ErrorDialectMiddleware` answered for a proxied route before the route ran: only the
    /// header and URI limits (431, 414) are refused there; every other error of a proxied route was counted where
    /// it was raised.
    func recordEdgeRefusal(path: String, status: Int) {
        guard status == 431 || status == 414,
            let provider = ProxyRoutes.provider(
                forPath: path, routes: providers?.routes ?? ProxyRoutes.builtInTable)
        else { return }
        refused(provider: provider, reason: .limits)
    }
}
