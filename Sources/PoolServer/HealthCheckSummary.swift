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

/// Accumulates `HealthCheckSummary` as results arrive.
struct HealthCheckTally {
    var summary: HealthCheckSummary

    init(total: Int) {
        summary = HealthCheckSummary(total: total)
    }

    mutating func count(_ result: KeyChecker.Result) {
        summary.checked += 1
        switch result.report.outcome {
        case .valid: summary.valid += 1
        case .invalid: summary.invalid += 1
        case .rateLimited: summary.rateLimited += 1
        case .outOfCredit: summary.outOfCredit += 1
        case .upstreamError: summary.upstreamError += 1
        case .inconclusive: summary.inconclusive += 1
        }
        if result.restored { summary.restored += 1 }
        guard result.before != result.after else { return }
        guard summary.changed.count < HealthCheckSummary.changeListLimit else {
            summary.changedTruncated = true
            return
        }
        summary.changed.append(.init(
            id: result.keyID, apiKey: result.maskedSecret, outcome: result.report.outcome.name,
            httpStatus: result.report.httpStatus, from: result.before.rawValue, to: result.after.rawValue
        ))
    }
}
