import Foundation
import Hummingbird
import NIOCore
import PoolCore
import PoolStore

/// `GET /admin/public-stats?provider=`: the statistics page's data, without auth, in the reference service's
/// shape (camelCase: `global`, `topModels`, `recentTopModels`, `hourlyTrend`). It holds counts and model names
/// only: never a key, key id, username or client token name.
struct PublicStatsRoutes {
    let pool: KeyPool
    let traffic: TrafficCounters
    let clock: any PoolClock
    /// The store's kind, e.g. `sqlite`.
    let storage: String

    /// Models in `topModels` (over every retained hour) and in `recentTopModels` (last 24 hours).
    static let topCount = 10
    static let recentTopCount = 3
    static let trendHours = 24

    func register(on router: Router<GatewayRequestContext>) {
        router.get("admin/public-stats") { request, _ in try publicStats(request) }
    }

    struct Global: Encodable {
        var totalRequests: Int
        var successCount: Int
        var failureCount: Int
        /// Percent, two decimals.
        var successRate: Double
        var totalApiKeys: Int
        var activeKeys: Int
        var coolingKeys: Int
        /// Keys that cannot serve now: disabled, invalid or expired (the reference's `failedKeys`).
        var failedKeys: Int
        var storage: String
        var lastUpdated: Date
    }

    struct ModelShare: Encodable {
        var model: String
        var requests: Int
        var success: Int
        var failure: Int
        var successRate: Double
    }

    struct HourPoint: Encodable {
        /// `HH:00` in UTC, as the reference labels its points.
        var hour: String
        /// Start of the hour.
        var time: Date
        var requests: Int
        var success: Int
        var failure: Int
    }

    struct Answer: Encodable {
        var provider: String
        var global: Global
        var topModels: [ModelShare]
        var recentTopModels: [ModelShare]
        var hourlyTrend: [HourPoint]
        var storage: String
        var timestamp: Date
    }

    private func publicStats(_ request: Request) throws -> Response {
        let provider = try AdminRequest.provider(query: request, body: nil)
        return try Self.camelCaseJSON(answer(provider: provider, now: clock.now))
    }

    func answer(provider: ProviderID, now: Date) -> Answer {
        let totals = traffic.totals(provider: provider)
        let counts = pool.statusCounts(provider: provider)
        let currentHour = Int(now.timeIntervalSince1970) / 3600 * 3600
        let firstTrendHour = currentHour - (Self.trendHours - 1) * 3600
        let records = traffic.modelHours(provider: provider, since: .distantPast)

        var perHour: [Int: (requests: Int, success: Int, failure: Int)] = [:]
        for record in records where record.hourStart >= firstTrendHour {
            let sum = perHour[record.hourStart, default: (0, 0, 0)]
            perHour[record.hourStart] = (
                sum.requests + record.requests, sum.success + record.successes, sum.failure + record.failures
            )
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:00"
        let trend = (0..<Self.trendHours).map { index -> HourPoint in
            let start = firstTrendHour + index * 3600
            let sum = perHour[start, default: (0, 0, 0)]
            let time = Date(timeIntervalSince1970: TimeInterval(start))
            return HourPoint(
                hour: formatter.string(from: time), time: time, requests: sum.requests, success: sum.success,
                failure: sum.failure)
        }

        let active = counts[.active, default: 0]
        let cooling = counts[.cooling, default: 0]
        return Answer(
            provider: provider.rawValue,
            global: Global(
                totalRequests: totals.requests, successCount: totals.successes, failureCount: totals.failures,
                successRate: Self.percent(totals.successes, of: totals.requests),
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
    static func ranked(_ records: [ModelHourRecord], limit: Int) -> [ModelShare] {
        var byModel: [String: ModelShare] = [:]
        for record in records {
            var share = byModel[
                record.model,
                default: ModelShare(model: record.model, requests: 0, success: 0, failure: 0, successRate: 0)]
            share.requests += record.requests
            share.success += record.successes
            share.failure += record.failures
            byModel[record.model] = share
        }
        return byModel.values
            .sorted { ($0.requests, $1.model) > ($1.requests, $0.model) }
            .prefix(limit)
            .map { share in
                var share = share
                share.successRate = percent(share.success, of: share.requests)
                return share
            }
    }

    static func percent(_ part: Int, of whole: Int) -> Double {
        whole == 0 ? 0 : (Double(part) / Double(whole) * 10_000).rounded() / 100
    }

    /// This route keeps the reference's camelCase field names (every other admin answer is snake_case).
    static func camelCaseJSON<T: Encodable>(_ value: T) throws -> Response {
        try JSONResponse.make(value, keys: .asDeclared, headers: [.cacheControl: "no-store"])
    }
}
