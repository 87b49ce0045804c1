import Foundation
import Hummingbird
import NIOCore
import PoolCore
import PoolStore

/// `GET /admin/public-stats?provider=`: the statistics page's data, without auth, in the reference service's
/// shape (camelCase: `global`, `topModels`, `recentTopModels`, `hourlyTrend`; see `PublicStatsPayload`). It holds
/// counts and model names only: never a key, key id, username or client token name.
struct PublicStatsRoutes {
    let pool: KeyPool
    let traffic: TrafficCounters
    let clock: any PoolClock
    /// The store's kind, e.g. `sqlite`.
    let storage: String
    /// Other instances' share of the totals (zero with one instance).
    var shared = StatsShared()
    /// The live provider catalog `provider=` is read against (nil: the built-ins only).
    var providers: ProviderRegistry? = nil

    /// Models in `topModels` (over every retained hour) and in `recentTopModels` (last 24 hours).
    static let topCount = 10
    static let recentTopCount = 3
    static let trendHours = 24

    func register(on router: Router<GatewayRequestContext>) {
        router.get("admin/public-stats") { request, _ in try publicStats(request) }
    }

    private func publicStats(_ request: Request) throws -> Response {
        let provider = try AdminRequest.provider(query: request, body: nil, catalog: providers?.catalog)
        return try Self.camelCaseJSON(answer(provider: provider, now: clock.now))
    }

    func answer(provider: ProviderID, now: Date) -> PublicStatsPayload {
        // The cluster's totals: this instance's counters plus what the others flushed (`StatsShared`).
        let totals = shared.totals(provider: provider, local: traffic.totals(provider: provider))
        let counts = pool.statusCounts(provider: provider)
        let currentHour = Int(now.timeIntervalSince1970) / 3600 * 3600
        let firstTrendHour = currentHour - (Self.trendHours - 1) * 3600
        let records = shared.modelHours(
            provider: provider, since: .distantPast,
            local: traffic.modelHours(provider: provider, since: .distantPast))

        var perHour: [Int: RequestSums] = [:]
        for record in records where record.hourStart >= firstTrendHour {
            perHour[record.hourStart, default: RequestSums()].add(record)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:00"
        let trend = (0..<Self.trendHours).map { index -> PublicStatsPayload.HourPoint in
            let start = firstTrendHour + index * 3600
            let sum = perHour[start, default: RequestSums()]
            let time = Date(timeIntervalSince1970: TimeInterval(start))
            return PublicStatsPayload.HourPoint(
                hour: formatter.string(from: time), time: time, requests: sum.requests, success: sum.successes,
                failure: sum.failures, clientErrors: sum.clientErrors, upstreamFailures: sum.upstreamFailures,
                refused: sum.refused)
        }

        let active = counts[.active, default: 0]
        let cooling = counts[.cooling, default: 0]
        return PublicStatsPayload(
            provider: provider.rawValue,
            global: PublicStatsPayload.Global(
                totalRequests: totals.requests, successCount: totals.successes, failureCount: totals.failures,
                clientErrorCount: totals.clientErrors, upstreamFailureCount: totals.upstreamFailures,
                refusedCount: totals.refused, refusedByReason: StatsOverviewPayload.byReason(totals.refusals),
                unclassifiedFailureCount: totals.unclassifiedFailures, successRateBasis: totals.successRateBasis,
                successRate: Self.percent(totals.successRate),
                totalApiKeys: counts.values.reduce(0, +), activeKeys: active, coolingKeys: cooling,
                failedKeys: counts.values.reduce(0, +) - active - cooling,
                storage: storage, lastUpdated: now
            ),
            topModels: Self.ranked(records, limit: Self.topCount),
            recentTopModels: Self.ranked(records.filter { $0.hourStart >= firstTrendHour }, limit: Self.recentTopCount),
            hourlyTrend: trend,
            storage: storage,
            timestamp: now
        )
    }

    /// Models by requests, most first (ties by name), summed over the given hours.
    static func ranked(_ records: [ModelHourRecord], limit: Int) -> [PublicStatsPayload.ModelShare] {
        var byModel: [String: RequestSums] = [:]
        for record in records {
            byModel[record.model, default: RequestSums()].add(record)
        }
        let top = byModel.sorted { ($0.value.requests, $1.key) > ($1.value.requests, $0.key) }.prefix(limit)
        return top.map { model, sums in
            PublicStatsPayload.ModelShare(
                model: model, requests: sums.requests, success: sums.successes, failure: sums.failures,
                clientErrors: sums.clientErrors, upstreamFailures: sums.upstreamFailures, refused: sums.refused,
                successRate: percent(sums.successRate))
        }
    }

    /// A 0…1 rate as a percent with two decimals; 0 when there is no rate yet.
    static func percent(_ rate: Double?) -> Double {
        ((rate ?? 0) * 10_000).rounded() / 100
    }

    /// This route keeps the reference's camelCase field names (every other admin answer is snake_case).
    static func camelCaseJSON<T: Encodable>(_ value: T) throws -> Response {
        try JSONResponse.make(value, keys: .asDeclared, headers: [.cacheControl: "no-store"])
    }
}
