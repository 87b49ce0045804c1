import Foundation

/// One token's, key's or model's usage in one hour or day.
public struct UsageRow: Sendable, Equatable {
    /// The bucket's start (UTC).
    public var bucket: Date
    /// The token id, key id or model; `(none)` for requests without one.
    public var id: String
    /// The token's name, the model (for `by=model`); nil for keys and unnamed ones.
    public var name: String?
    public var requests: Int
    /// Requests that ended with status ≥ 500 or an error of the gateway's own.
    public var failed: Int
    public var promptTokens: Int
    public var completionTokens: Int

    /// Stands for a missing token, key or model.
    public static let none = "(none)"

    public init(
        bucket: Date, id: String, name: String?, requests: Int = 0, failed: Int = 0, promptTokens: Int = 0,
        completionTokens: Int = 0
    ) {
        self.bucket = bucket
        self.id = id
        self.name = name
        self.requests = requests
        self.failed = failed
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

extension RequestRecord {
    /// The key whose attempt gave the request its answer: the last attempt's (nil: none was made).
    public var answeringKeyID: String? { attempts.last?.keyID }

    /// Counted as failed in the usage summary: status ≥ 500, or the gateway answered with an error of its own.
    public var isFailure: Bool { status >= 500 || error != nil }

    /// The id and name the record is counted under when usage is grouped `by`.
    public func usageGroup(_ by: UsageQuery.Grouping) -> (id: String, name: String?) {
        switch by {
        case .token: (tokenID ?? UsageRow.none, tokenName)
        case .key: (answeringKeyID ?? UsageRow.none, nil)
        case .model: (model ?? UsageRow.none, model ?? UsageRow.none)
        }
    }
}
