import Foundation

/// Requests of one model in one hour, by how they ended, for the statistics page.
public struct ModelHourRecord: Sendable, Equatable, Hashable, RequestTally {
    /// The `model` of requests that named no model. No real model is called "", so a model literally named
    /// "unknown" (or anything else) keeps its own row.
    public static let noModel = ""

    public var provider: ProviderID
    /// The requested model, or `noModel`.
    public var model: String
    /// Start of the hour, seconds since 1970.
    public var hourStart: Int
    public var requests: Int
    public var successes: Int
    /// Every request that did not succeed (see `RequestTally`).
    public var failures: Int
    public var clientErrors: Int
    public var upstreamFailures: Int
    public var refused: Int

    public init(
        provider: ProviderID, model: String, hourStart: Int, requests: Int, successes: Int, failures: Int,
        clientErrors: Int = 0, upstreamFailures: Int = 0, refused: Int = 0
    ) {
        self.provider = provider
        self.model = model
        self.hourStart = hourStart
        self.requests = requests
        self.successes = successes
        self.failures = failures
        self.clientErrors = clientErrors
        self.upstreamFailures = upstreamFailures
        self.refused = refused
    }
}
