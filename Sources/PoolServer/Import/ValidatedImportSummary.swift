import Foundation
import PoolCore

/// The result of a validated import: `total = added + duplicates + invalidCount`.
struct ValidatedImportSummary: Encodable, Sendable {
    /// One entry that was not added: unreadable, or rejected by the upstream. The key is shown masked.
    struct Problem: Encodable, Sendable {
        var line: Int
        var apiKey: String?
        var reason: String
        var httpStatus: Int?
    }

    var provider: String
    /// Entries in the input (blank and comment lines excluded).
    var total: Int
    var added = 0
    var duplicates: Int
    /// Keys that passed the probe.
    var valid = 0
    /// Genuine keys resting for now; added as `cooling`.
    var rateLimited = 0
    var outOfCredit = 0
    /// Keys the upstream could not judge (5xx, timeout, unexpected answer); added, and judged by use.
    var unverified = 0
    /// Entries not added because they were unreadable or rejected.
    var invalidCount = 0
    /// The first `problemListLimit` of them; jobs are kept in memory, so a huge bad upload must not be.
    var invalid: [Problem] = []
    var invalidTruncated = false
    /// Added keys by model family; keys whose models are unknown are not counted.
    var categories: [String: Int] = [:]

    static let problemListLimit = 10_000

    mutating func reject(_ problem: Problem) {
        invalidCount += 1
        if invalid.count < Self.problemListLimit {
            invalid.append(problem)
        } else {
            invalidTruncated = true
        }
    }

    mutating func count(_ outcome: ProbeOutcome, category: String?) {
        switch outcome {
        case .valid: valid += 1
        case .rateLimited: rateLimited += 1
        case .outOfCredit: outOfCredit += 1
        case .upstreamError, .inconclusive: unverified += 1
        case .invalid: return
        }
        if let category { categories[category, default: 0] += 1 }
    }
}
