import Foundation
import PoolCore

/// What traffic changed since the last flush.
///
/// Counters (per key, per token, per provider, per model hour) are increments the store adds to its totals
/// (`requests = requests + n`), so several instances can count the same key; the `last_*` dates of a key are
/// its latest known and the store keeps the later one; health replaces what is stored. A store applies a batch
/// `id` once: a flush retried after an unknown commit outcome (a lost connection during COMMIT) with the same
/// id is not counted twice.
public struct StatsBatch: Sendable {
    /// Names the batch for the store's idempotency record; a retry keeps it, new changes get a new one.
    public var id: String
    public var keyStats: [KeyStatsRecord]
    public var keyHealth: [KeyHealthRecord]
    /// Client token id and the requests it made since the last flush.
    public var tokenRequestCounts: [TokenCount]
    public var globalStats: [GlobalStatsRecord]
    public var modelHours: [ModelHourRecord]

    public init(
        id: String = UUID().uuidString, keyStats: [KeyStatsRecord] = [], keyHealth: [KeyHealthRecord] = [],
        tokenRequestCounts: [TokenCount] = [], globalStats: [GlobalStatsRecord] = [], modelHours: [ModelHourRecord] = []
    ) {
        self.id = id
        self.keyStats = keyStats
        self.keyHealth = keyHealth
        self.tokenRequestCounts = tokenRequestCounts
        self.globalStats = globalStats
        self.modelHours = modelHours
    }

    public var isEmpty: Bool {
        keyStats.isEmpty && keyHealth.isEmpty && tokenRequestCounts.isEmpty && globalStats.isEmpty
            && modelHours.isEmpty
    }
}

/// A client token's id and a request count (an increment in a `StatsBatch`).
public struct TokenCount: Sendable, Equatable {
    public var tokenID: String
    public var requestCount: Int

    public init(tokenID: String, requestCount: Int) {
        self.tokenID = tokenID
        self.requestCount = requestCount
    }
}
