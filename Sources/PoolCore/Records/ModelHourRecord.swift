import Foundation

/// Requests, successes and failures of one model in one hour, for the statistics page.
public struct ModelHourRecord: Sendable, Equatable, Hashable {
    public var provider: ProviderID
    public var model: String
    /// Start of the hour, seconds since 1970.
    public var hourStart: Int
    public var requests: Int
    public var successes: Int
    public var failures: Int

    public init(provider: ProviderID, model: String, hourStart: Int, requests: Int, successes: Int, failures: Int) {
        self.provider = provider
        self.model = model
        self.hourStart = hourStart
        self.requests = requests
        self.successes = successes
        self.failures = failures
    }
}
