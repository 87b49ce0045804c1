import Foundation

/// Whole-gateway counters per provider.
public struct GlobalStatsRecord: Sendable, Equatable {
    public var provider: ProviderID
    public var requests: Int
    public var successes: Int
    public var failures: Int

    public init(provider: ProviderID, requests: Int = 0, successes: Int = 0, failures: Int = 0) {
        self.provider = provider
        self.requests = requests
        self.successes = successes
        self.failures = failures
    }
}
