import Foundation

/// Usage counters of one key, as stored.
public struct KeyStatsRecord: Sendable, Equatable {
    public var keyID: String
    public var requests: Int
    public var successes: Int
    public var failures: Int
    public var latencyMillisSum: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var lastUsed: Date?
    public var lastSuccess: Date?
    public var lastFailure: Date?

    public init(
        keyID: String, requests: Int = 0, successes: Int = 0, failures: Int = 0, latencyMillisSum: Int = 0,
        promptTokens: Int = 0, completionTokens: Int = 0, lastUsed: Date? = nil, lastSuccess: Date? = nil,
        lastFailure: Date? = nil
    ) {
        self.keyID = keyID
        self.requests = requests
        self.successes = successes
        self.failures = failures
        self.latencyMillisSum = latencyMillisSum
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.lastUsed = lastUsed
        self.lastSuccess = lastSuccess
        self.lastFailure = lastFailure
    }
}
