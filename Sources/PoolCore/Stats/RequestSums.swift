import Foundation

/// Sums of model hours, by model or by hour.
public struct RequestSums: Sendable, Equatable, RequestTally {
    public var requests = 0
    public var successes = 0
    public var failures = 0
    public var clientErrors = 0
    public var upstreamFailures = 0
    public var refused = 0

    public init() {}

    public mutating func add(_ record: ModelHourRecord) {
        requests += record.requests
        successes += record.successes
        failures += record.failures
        clientErrors += record.clientErrors
        upstreamFailures += record.upstreamFailures
        refused += record.refused
    }
}
