import Foundation
import PoolCore
import PoolStore

/// Adds parsed keys to the store and the pool: duplicates (within the batch, in the pool, or in the store) are
/// counted, not added; everything else is written in one store transaction.
public struct KeyImporter: Sendable {
    let pool: KeyPool
    let store: any PoolStore
    let clock: any PoolClock

    /// - Parameter clock: stamps the keys' creation time.
    public init(pool: KeyPool, store: any PoolStore, clock: any PoolClock) {
        self.pool = pool
        self.store = store
        self.clock = clock
    }

    public func importKeys(
        _ parsed: ImportParseResult, provider: ProviderID, expiresAt: Date?
    ) async throws -> ImportSummary {
        // Building 100,000 records and adding them to the pool takes a while: not on an event loop.
        let (records, duplicatesBefore) = try await OffLoop.run {
            newRecords(parsed, provider: provider, expiresAt: expiresAt)
        }
        var duplicates = duplicatesBefore
        let inserted = records.isEmpty ? [] : try await store.insertKeys(records)
        duplicates += records.count - inserted.count
        let added = records.filter { inserted.contains($0.id) }
        try await OffLoop.run { pool.add(added) }
        return ImportSummary(
            total: parsed.total, added: inserted.count, duplicates: duplicates, invalid: parsed.invalid,
            addedIDs: added.map(\.id)
        )
    }

    /// The entries that are new to the pool and the batch (`KeyPool.newEntries`), as records, and how many were
    /// duplicates.
    private func newRecords(_ parsed: ImportParseResult, provider: ProviderID, expiresAt: Date?) -> ([KeyRecord], Int) {
        let now = clock.now
        let (entries, duplicates) = pool.newEntries(parsed.entries, provider: provider)
        let records = entries.map { entry in
            KeyRecord(
                provider: provider, secret: entry.secret, username: entry.username, createdAt: now,
                expiresAt: expiresAt, baseURL: entry.baseURL.map(ProviderRules.normalizedBaseURL),
                placement: entry.placement
            )
        }
        return (records, duplicates)
    }
}
