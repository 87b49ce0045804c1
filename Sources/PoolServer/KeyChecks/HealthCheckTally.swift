import PoolCore

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
        summary.changed.append(
            .init(
                id: result.keyID, apiKey: result.maskedSecret, outcome: result.report.outcome.name,
                httpStatus: result.report.httpStatus, from: result.before.rawValue, to: result.after.rawValue
            ))
    }
}
