import Foundation
import Hummingbird
import PoolCore
import PoolStore

/// `GET /health`: no auth; enough for a load balancer and an operator's first look.
struct HealthRoutes {
    let gateway: Gateway

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
        for provider in gateway.pool.providerIDs {
            let counts = gateway.pool.statusCounts(provider: provider)
            providers[provider.rawValue] = ProviderHealth(
                enabled: gateway.configuration.upstream.isEnabled(provider),
                keysTotal: counts.values.reduce(0, +),
                keysActive: counts[.active, default: 0]
            )
        }
        return try JSONResponse.make(Answer(
            status: "ok", version: GatewayVersion.current,
            uptimeSeconds: Int(Date().timeIntervalSince(gateway.startedAt)),
            storage: gateway.store.kind, providers: providers
        ))
    }
}
