import Foundation
import PoolCore

/// `GET /admin/public-stats`: the statistics page's data in the reference service's camelCase shape, with the
/// request results apart. Counts and model names only: never a key, key id, username or client token name.
///
/// `failure`/`failureCount` keep meaning every request that did not succeed; `successRate` is about the upstream
/// only: successes among successes, upstream failures and unclassified failures (see `RequestTally`).
struct PublicStatsPayload: Encodable {
    struct Global: Encodable {
        var totalRequests: Int
        var successCount: Int
        var failureCount: Int
        var clientErrorCount: Int
        var upstreamFailureCount: Int
        var refusedCount: Int
        /// `refusedCount` by reason (`RefusalReason` raw values), every reason present.
        var refusedByReason: [String: Int]
        /// Failures counted before requests were classified.
        var unclassifiedFailureCount: Int
        var successRateBasis: Int
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
        /// The requested model; "" for requests that named none.
        var model: String
        var requests: Int
        var success: Int
        var failure: Int
        var clientErrors: Int
        var upstreamFailures: Int
        var refused: Int
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
        var clientErrors: Int
        var upstreamFailures: Int
        var refused: Int
    }

    var provider: String
    var global: Global
    var topModels: [ModelShare]
    var recentTopModels: [ModelShare]
    var hourlyTrend: [HourPoint]
    var storage: String
    var timestamp: Date
}
