import PoolCore

/// The result of a health check or bulk verification.
struct HealthCheckSummary: Encodable, Sendable {
    /// Keys whose status changed, listed up to this many.
    static let changeListLimit = 1000

    var total: Int
    var checked = 0
    var valid = 0
    var invalid = 0
    var rateLimited = 0
    var outOfCredit = 0
    var upstreamError = 0
    var inconclusive = 0
    /// Keys that could not serve before and are usable again.
    var restored = 0
    var changed: [StatusChange] = []
    var changedTruncated = false

    /// One key whose status the check changed; the key is shown masked.
    struct StatusChange: Encodable, Sendable {
        var id: String
        var apiKey: String
        var outcome: String
        var httpStatus: Int?
        var from: String
        var to: String
    }
}
