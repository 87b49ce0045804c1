import Foundation

/// Whole-gateway counters per provider: every finished client request, by how it ended.
public struct GlobalStatsRecord: Sendable, Equatable, RequestTally {
    public var provider: ProviderID
    public var requests: Int
    public var successes: Int
    /// Every request that did not succeed (see `RequestTally`).
    public var failures: Int
    public var clientErrors: Int
    public var upstreamFailures: Int
    /// Refused requests by reason; reasons never seen are absent.
    public var refusals: [RefusalReason: Int]

    public init(
        provider: ProviderID, requests: Int = 0, successes: Int = 0, failures: Int = 0, clientErrors: Int = 0,
        upstreamFailures: Int = 0, refusals: [RefusalReason: Int] = [:]
    ) {
        self.provider = provider
        self.requests = requests
        self.successes = successes
        self.failures = failures
        self.clientErrors = clientErrors
        self.upstreamFailures = upstreamFailures
        self.refusals = refusals
    }

    /// Every refused request, whatever the reason.
    public var refused: Int { refusals.values.reduce(0, +) }
}
