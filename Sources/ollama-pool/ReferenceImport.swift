import Foundation
import PoolCore
import PoolStore

/// Moves what the reference Worker keeps in PostgreSQL into a store: keys with their state and statistics,
/// client tokens (only their hashes are kept, so clients go on with the same token text), and the totals.
///
/// Idempotent: keys already stored (same provider and secret) and tokens already stored (same hash) are left as
/// they are, statistics come only with keys added now, and the totals only once per provider (a setting marks
/// them). Nothing it prints or throws contains a key or a token.
struct ReferenceImport {
    /// What happened to one provider's rows.
    struct Counts: Sendable, Equatable {
        var keysRead = 0
        var keysAdded = 0
        var keysPresent = 0
        /// Keys that are not keys by `KeySecretRules` (empty, spaces, control characters).
        var keysSkipped = 0
        var statsAdded = 0
        var tokensRead = 0
        var tokensAdded = 0
        var tokensPresent = 0
        var tokensSkipped = 0
        var totalsAdded = false
    }

    /// The setting that records that a provider's totals were imported.
    static func totalsMarker(_ provider: ProviderID) -> String { "reference_import_totals_\(provider.rawValue)" }

    /// Reason of a key the reference disabled automatically (`disabled_until` ahead, status not `disabled`).
    static let failureDisableReason = "disabled by the reference gateway after repeated failures"
    /// Reason of a key the reference marked failed (`failed_until` ahead).
    static let failedReason = "marked failed by the reference gateway"

    let store: any PoolStore
    let now: Date

    /// Imports what `tables` hold for every provider. Tokens go last: one found in both providers' tables opens
    /// both providers' routes.
    func run(_ tables: ReferenceTables) async throws -> [(ProviderID, Counts)] {
        var results: [(ProviderID, Counts)] = []
        var tokensByHash: [String: (row: ReferenceTables.TokenRow, providers: [ProviderID])] = [:]
        var tokenOrder: [String] = []
        var foundTables = false
        for provider in ProviderID.builtIn {
            var counts = Counts()
            let hasKeys = try await tables.keys(provider) { rows in try await importKeys(rows, provider, &counts) }
            if hasKeys { foundTables = true }
            if let totals = try await tables.totals(provider) {
                counts.totalsAdded = try await importTotals(totals, provider)
            }
            let tokens = try await tables.tokens(provider)
            if tokens != nil { foundTables = true }
            for row in tokens ?? [] {
                counts.tokensRead += 1
                guard KeySecretRules.problem(in: row.token) == nil else {
                    counts.tokensSkipped += 1
                    continue
                }
                let hash = ClientTokenFactory.hash(row.token)
                if tokensByHash[hash] == nil { tokenOrder.append(hash) }
                tokensByHash[hash, default: (row, [])].providers.append(provider)
            }
            results.append((provider, counts))
        }
        guard foundTables else {
            throw StoreError(
                "the reference database has none of the tables ollama_api_keys, ollama_api_client_tokens, "
                    + "openrouter_api_keys, openrouter_api_client_tokens")
        }
        let stored = Set(try await store.loadSnapshot(keyBatches: { _, _ in }).tokens.map(\.tokenHash))
        for hash in tokenOrder {
            guard let (row, providers) = tokensByHash[hash] else { continue }
            let added = !stored.contains(hash)
            if added { try await store.insertToken(Self.tokenRecord(row, hash: hash, providers: providers, now: now)) }
            for provider in providers {
                guard let index = results.firstIndex(where: { $0.0 == provider }) else { continue }
                if added { results[index].1.tokensAdded += 1 } else { results[index].1.tokensPresent += 1 }
            }
        }
        return results
    }

    /// Adds the keys of one chunk not stored yet, then the statistics of those added.
    private func importKeys(
        _ rows: [ReferenceTables.KeyRow], _ provider: ProviderID, _ counts: inout Counts
    )
        async throws
    {
        counts.keysRead += rows.count
        var records: [(KeyRecord, ReferenceTables.KeyRow)] = []
        for row in rows {
            guard let record = Self.keyRecord(row, provider: provider, now: now) else {
                counts.keysSkipped += 1
                continue
            }
            records.append((record, row))
        }
        var start = 0
        while start < records.count {
            let chunk = records[start..<min(start + 5_000, records.count)]
            let inserted = try await store.insertKeys(chunk.map(\.0))
            counts.keysAdded += inserted.count
            counts.keysPresent += chunk.count - inserted.count
            let stats = chunk.filter { inserted.contains($0.0.id) }.compactMap { Self.stats($0.1, keyID: $0.0.id) }
            if !stats.isEmpty { try await store.write(StatsBatch(keyStats: stats)) }
            counts.statsAdded += stats.count
            start += 5_000
        }
    }

    /// Adds the provider's totals unless an earlier run did.
    private func importTotals(_ totals: ReferenceTables.Totals, _ provider: ProviderID) async throws -> Bool {
        let marker = Self.totalsMarker(provider)
        guard try await store.setting(marker) == nil else { return false }
        try await store.write(
            StatsBatch(
                id: marker,
                globalStats: [
                    GlobalStatsRecord(
                        provider: provider, requests: Int(totals.requests), successes: Int(totals.successes),
                        failures: Int(totals.failures))
                ]))
        try await store.setSetting(marker, value: ISO8601DateFormatter().string(from: now))
        return true
    }

    /// The key as this gateway keeps it, or nil when the text is not a usable key.
    static func keyRecord(_ row: ReferenceTables.KeyRow, provider: ProviderID, now: Date) -> KeyRecord? {
        let secret = row.secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard KeySecretRules.problem(in: secret) == nil else { return nil }
        return KeyRecord(
            provider: provider, secret: secret, username: row.username.flatMap { $0.isEmpty ? nil : $0 },
            createdAt: row.createdAt.map(Date.init(timeIntervalSince1970:)) ?? now,
            expiresAt: row.expiresAt.map(Date.init(timeIntervalSince1970:)),
            health: health(row, now: now))
    }

    /// The reference's state as a `KeyHealth`: `status = 'disabled'` is an admin's disable (until
    /// `disabled_until`, or until enabled); a `disabled_until` ahead otherwise is an automatic disable; a
    /// `failed_until` ahead a cooldown; `invalid` stays invalid; anything else whose time has passed is active.
    static func health(_ row: ReferenceTables.KeyRow, now: Date) -> KeyHealth {
        let nowSeconds = now.timeIntervalSince1970
        let disabledUntil = row.disabledUntil.map(Date.init(timeIntervalSince1970:))
        var health = KeyHealth(consecutiveFailures: max(0, Int(row.consecutiveFailures ?? 0)))
        switch row.status?.lowercased() {
        case "disabled":
            if let until = row.disabledUntil, until <= nowSeconds { break }
            health.condition = .disabled(until: disabledUntil, reason: KeyHealth.adminDisableReason)
        case "invalid":
            health.condition = .invalid(reason: "marked invalid by the reference gateway")
        default:
            if let until = row.disabledUntil, until > nowSeconds {
                health.condition = .disabled(until: disabledUntil, reason: failureDisableReason)
            } else if let until = row.failedUntil, until > nowSeconds {
                health.condition = .cooling(until: Date(timeIntervalSince1970: until), reason: failedReason)
            }
        }
        return health
    }

    /// The key's counters, or nil when the reference has none for it.
    static func stats(_ row: ReferenceTables.KeyRow, keyID: String) -> KeyStatsRecord? {
        let requests = Int(row.requests ?? 0)
        let successes = Int(row.successes ?? 0)
        let failures = Int(row.failures ?? 0)
        guard requests > 0 || successes > 0 || failures > 0 || row.lastUsed != nil else { return nil }
        return KeyStatsRecord(
            keyID: keyID, requests: requests, successes: successes, failures: failures,
            lastUsed: row.lastUsed.map(Date.init(timeIntervalSince1970:)),
            lastSuccess: row.lastSuccess.map(Date.init(timeIntervalSince1970:)),
            lastFailure: row.lastFailure.map(Date.init(timeIntervalSince1970:)))
    }

    /// The token's record: its hash, never the token; a prefix short enough to give little away.
    static func tokenRecord(
        _ row: ReferenceTables.TokenRow, hash: String, providers: [ProviderID], now: Date
    ) -> ClientTokenRecord {
        let name = row.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return ClientTokenRecord(
            id: "tok_" + RandomText.hex(count: 12), name: name.isEmpty ? "imported" : name, tokenHash: hash,
            prefix: String(row.token.prefix(min(10, row.token.count / 4))),
            createdAt: row.createdAt.map(Date.init(timeIntervalSince1970:)) ?? now,
            expiresAt: row.expiresAt.map(Date.init(timeIntervalSince1970:)),
            provider: providers.count == 1 ? providers[0] : nil, requestCount: Int(row.requestCount ?? 0))
    }
}
