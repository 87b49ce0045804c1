import Foundation
import PoolCore
import Synchronization

/// The store's counters as they are now, for an instance to show cluster-wide totals (every instance's
/// flushed traffic) instead of its own: what `PoolStore.sharedTotals(keysChangedAfter:hoursSince:keyStats:)` reads.
public struct SharedTotals: Sendable, Equatable {
    /// The store's revision these were read at: the next read asks for keys changed after it.
    public var revision: Int64
    /// Absolute counters of the keys whose statistics changed after the revision asked about.
    public var keyStats: [KeyStatsRecord]
    /// Every client token's request count, by token id.
    public var tokenCounts: [String: Int]
    public var globalStats: [GlobalStatsRecord]
    /// Model hours from the hour asked about on.
    public var modelHours: [ModelHourRecord]

    public init(
        revision: Int64, keyStats: [KeyStatsRecord] = [], tokenCounts: [String: Int] = [:],
        globalStats: [GlobalStatsRecord] = [], modelHours: [ModelHourRecord] = []
    ) {
        self.revision = revision
        self.keyStats = keyStats
        self.tokenCounts = tokenCounts
        self.globalStats = globalStats
        self.modelHours = modelHours
    }
}

extension SharedTotals {
    /// Most key statistics a store hands out at once while reading them back.
    public static let keyStatsPageSize = 16_384
}

/// Collects the pages of a key-statistics read into one array as the stores hand them out.
final class KeyStatsPages: Sendable {
    private let pages = Mutex<[KeyStatsRecord]>([])
    func add(_ page: [KeyStatsRecord]) { pages.withLock { $0 += page } }
    var all: [KeyStatsRecord] { pages.withLock { $0 } }
}

extension PoolStore {
    /// ``PoolStore/sharedTotals(keysChangedAfter:hoursSince:keyStats:)`` with every page in the answer's
    /// `keyStats`: for reads known to be small (tests, tools).
    public func sharedTotals(keysChangedAfter revision: Int64, hoursSince: Int) async throws -> SharedTotals {
        let pages = KeyStatsPages()
        var totals = try await sharedTotals(keysChangedAfter: revision, hoursSince: hoursSince) { pages.add($0) }
        totals.keyStats = pages.all
        return totals
    }
}
