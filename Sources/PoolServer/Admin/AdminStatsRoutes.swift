import Foundation
import Hummingbird
import PoolCore

/// `/admin/stats` (overview) and `/admin/keys/stats` (per key).
struct AdminStatsRoutes {
    let pool: KeyPool
    let tokens: TokenRegistry
    let traffic: TrafficCounters
    let clock: any PoolClock
    /// Other instances' share of the totals (zero with one instance).
    let shared: StatsShared
    /// When the gateway started, for the uptime.
    let startedAt: Date
    /// The live provider catalog: every provider name a request gives is checked against it.
    let providers: ProviderRegistry

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("stats") { request, _ in try overview(request) }
        group.get("keys/stats") { request, _ in try await OffLoop.run { try keyStats(request) } }
    }

    private func overview(_ request: Request) throws -> Response {
        let provider = try AdminRequest.provider(query: request, body: nil, catalog: providers.catalog)
        let now = clock.now
        // The cluster's totals: this instance's counters plus what the others flushed (`StatsShared`).
        let totals = shared.totals(provider: provider, local: traffic.totals(provider: provider))
        let dayStart = Calendar(identifier: .gregorian).startOfDay(for: now)
        let today = shared.modelHours(
            provider: provider, since: dayStart, local: traffic.modelHours(provider: provider, since: dayStart))
        return try JSONResponse.make(
            StatsOverviewPayload(
                provider: provider, keys: StatusCountsPayload(pool.statusCounts(provider: provider)),
                tokens: tokens.entries().count, totals: totals, requestsToday: today.reduce(0) { $0 + $1.requests },
                uptimeSeconds: Int(Date().timeIntervalSince(startedAt))
            ))
    }

    private func keyStats(_ request: Request) throws -> Response {
        let provider = try AdminRequest.provider(query: request, body: nil, catalog: providers.catalog)
        let keys = pool.views(provider: provider).map(KeyPayload.init)
        return try JSONResponse.make(KeyStatsListPayload(provider: provider.rawValue, keys: keys, total: keys.count))
    }
}
