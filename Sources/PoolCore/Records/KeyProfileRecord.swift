import Foundation

/// What probes learned about a key: the models it serves, their family, and its credit.
public struct KeyProfileRecord: Sendable, Equatable {
    /// The key this profile belongs to.
    public var keyID: String
    /// Empty means "not known": the key stays eligible for every model.
    public var models: [String]
    /// The family of `models` (see `ModelCategory`); nil when never learned.
    public var category: String?
    /// Label, limit and usage as the upstream reported them; nil when it does not report them.
    public var credit: KeyCredit?

    public init(keyID: String, models: [String], category: String?, credit: KeyCredit? = nil) {
        self.keyID = keyID
        self.models = models
        self.category = category
        self.credit = credit
    }
}
