import Foundation

/// An upstream key as it is stored: identity, secret, who it belongs to, and its health.
public struct KeyRecord: Sendable, Equatable {
    public var id: String
    public var provider: ProviderID
    /// The upstream secret in clear; the store encrypts it at rest when configured to.
    public var secret: String
    public var username: String?
    public var createdAt: Date
    public var expiresAt: Date?
    public var health: KeyHealth
    /// Models this key is known to serve; empty means "not yet known", i.e. eligible for every model.
    public var models: [String]
    /// The family of `models` (see `ModelCategory`); nil until probes learn the models.
    public var category: String?
    /// Label, limit and usage as the upstream last reported them; nil when never asked.
    public var credit: KeyCredit?

    public init(
        id: String = KeyRecord.newID(),
        provider: ProviderID,
        secret: String,
        username: String? = nil,
        createdAt: Date,
        expiresAt: Date? = nil,
        health: KeyHealth = KeyHealth(),
        models: [String] = [],
        category: String? = nil,
        credit: KeyCredit? = nil
    ) {
        self.id = id
        self.provider = provider
        self.secret = secret
        self.username = username
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.health = health
        self.models = models
        self.category = category
        self.credit = credit
    }

    /// A fresh random key id (`k_` + 13 hex digits, 52 random bits), safe to show anywhere. Fifteen bytes is the
    /// most a Swift string keeps inline: with 100,000 keys, a longer id would cost a heap object per key.
    public static func newID() -> String {
        "k_" + RandomText.hex(count: 13)
    }
}

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

/// A key's health as written back after traffic changed it.
public struct KeyHealthRecord: Sendable, Equatable {
    public var keyID: String
    public var health: KeyHealth

    public init(keyID: String, health: KeyHealth) {
        self.keyID = keyID
        self.health = health
    }
}

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
