import Foundation
import PoolCore

/// Per-key counters with the reference's field names.
struct KeyStatsPayload: Encodable {
    var totalRequests: Int
    var successCount: Int
    var failureCount: Int
    /// Percentage of successes among attempts that succeeded or failed, 0–100.
    var successRate: Double
    var avgLatencyMs: Double
    var promptTokens: Int
    var completionTokens: Int
    var lastUsed: Date?
    var lastSuccess: Date?
    var lastFailure: Date?

    init(_ stats: KeyStatsRecord) {
        totalRequests = stats.requests
        successCount = stats.successes
        failureCount = stats.failures
        let decided = stats.successes + stats.failures
        successRate = decided == 0 ? 0 : (Double(stats.successes) / Double(decided) * 1000).rounded() / 10
        avgLatencyMs =
            stats.requests == 0 ? 0 : (Double(stats.latencyMillisSum) / Double(stats.requests) * 10).rounded() / 10
        promptTokens = stats.promptTokens
        completionTokens = stats.completionTokens
        lastUsed = stats.lastUsed
        lastSuccess = stats.lastSuccess
        lastFailure = stats.lastFailure
    }
}
