import Foundation
import Hummingbird
import PoolCore
import PoolStore

/// `GET /health`: no auth; enough for a load balancer and an operator's first look.
struct HealthRoutes {
    let pool: KeyPool
    let upstream: GatewayConfiguration.UpstreamSettings
    /// The store's kind, e.g. `sqlite`.
    let storage: String
    let startedAt: Date

    func register(on router: Router<GatewayRequestContext>) {
        router.get("health") { _, _ in try health() }
    }

    private func health() throws -> Response {
        struct ProviderHealth: Encodable {
            var enabled: Bool
            var keysTotal: Int
            var keysActive: Int
        }
        struct Answer: Encodable {
            var status: String
            var version: String
            var uptimeSeconds: Int
            var storage: String
            var providers: [String: ProviderHealth]
        }
        var providers: [String: ProviderHealth] = [:]
        for provider in pool.providerIDs {
            let counts = pool.statusCounts(provider: provider)
            providers[provider.rawValue] = ProviderHealth(
                enabled: upstream.isEnabled(provider),
                keysTotal: counts.values.reduce(0, +),
                keysActive: counts[.active, default: 0]
            )
        }
        return try JSONResponse.make(
            Answer(
                status: "ok", version: GatewayVersion.current,
                uptimeSeconds: Int(Date().timeIntervalSince(startedAt)),
                storage: storage, providers: providers
            ))
    }
}
