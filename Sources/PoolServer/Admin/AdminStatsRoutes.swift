import Foundation
import Hummingbird
import PoolCore

/// `/admin/stats` (overview) and `/admin/keys/stats` (per key).
struct AdminStatsRoutes {
    let gateway: Gateway

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("stats") { request, _ in try overview(request) }
        group.get("keys/stats") { request, _ in try await OffLoop.run { try keyStats(request) } }
    }

    private func overview(_ request: Request) throws -> Response {
        let provider = try AdminRequest.provider(query: request, body: nil)
        let now = gateway.clock.now
        let totals = gateway.traffic.totals(provider: provider)
        let dayStart = Calendar(identifier: .gregorian).startOfDay(for: now)
        let today = gateway.traffic.modelHours(provider: provider, since: dayStart)
        let tokens = gateway.tokens.entries()
        struct Answer: Encodable {
            var provider: String
            var keys: StatusCountsPayload
            var tokens: Int
            var totalRequests: Int
            var successCount: Int
            var failureCount: Int
            var successRate: Double
            var requestsToday: Int
            var uptimeSeconds: Int
        }
        return try JSONResponse.make(Answer(
            provider: provider.rawValue,
            keys: StatusCountsPayload(gateway.pool.statusCounts(provider: provider)),
            tokens: tokens.count,
            totalRequests: totals.requests,
            successCount: totals.successes,
            failureCount: totals.failures,
            successRate: totals.requests == 0 ? 0 : (Double(totals.successes) / Double(totals.requests) * 1000).rounded() / 10,
            requestsToday: today.reduce(0) { $0 + $1.requests },
            uptimeSeconds: Int(Date().timeIntervalSince(gateway.startedAt))
        ))
    }

    private func keyStats(_ request: Request) throws -> Response {
        let provider = try AdminRequest.provider(query: request, body: nil)
        let keys = gateway.pool.views(provider: provider).map(KeyPayload.init)
        struct Answer: Encodable {
            var provider: String
            var keys: [KeyPayload]
            var total: Int
        }
        return try JSONResponse.make(Answer(provider: provider.rawValue, keys: keys, total: keys.count))
    }
}
