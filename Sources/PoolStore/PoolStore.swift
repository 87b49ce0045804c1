import Foundation
import PoolCore

extension PoolStore {
    /// Reads everything, keys included.
    public func loadSnapshot() async throws -> StoreSnapshot {
        try await loadSnapshot(keyBatches: nil)
    }

    /// No wake-ups: the reader polls `revision()`.
    public func changeSignals() -> AsyncStream<Void>? { nil }

    /// No LISTEN connection: wake-ups come from polling.
    public var listenConnectionUp: Bool? { nil }
}

/// Persistence behind the in-memory pool. Implementations: SQLite (embedded default); PostgreSQL can follow
/// without touching PoolCore or the routes. Nothing on the request path calls a store: traffic changes reach it
/// in batches through `write(_:)`.
public protocol PoolStore: Sendable {
    /// A short description for `/health`, e.g. `sqlite`.
    var kind: String { get }

    /// Reads everything the gateway needs to start. With `keyBatches`, keys and their statistics are handed over
    /// in batches as they are read and left out of the snapshot, so 100,000 keys never sit in memory twice.
    func loadSnapshot(
        keyBatches: (@Sendable (_ keys: [KeyRecord], _ stats: [KeyStatsRecord]) -> Void)?
    ) async throws
        -> StoreSnapshot

    /// Inserts keys in one transaction. A key whose provider and identity (`KeyIdentity`: its secret, and its base
    /// URL when it has one) are already stored is skipped.
    /// - Returns: the ids of the keys actually inserted.
    func insertKeys(_ keys: [KeyRecord]) async throws -> Set<String>

    /// Deletes keys (and their statistics). Unknown ids are ignored.
    func deleteKeys(ids: [String]) async throws

    /// Replaces the health (status, reasons, windows, counters) of existing keys, e.g. after an admin action.
    func updateKeyHealth(_ records: [KeyHealthRecord]) async throws

    /// Replaces what probes learned about existing keys (models, category, credit); unknown ids are ignored.
    func updateKeyProfiles(_ records: [KeyProfileRecord]) async throws

    func insertToken(_ token: ClientTokenRecord) async throws

    /// - Returns: false when no token had this id.
    func deleteToken(id: String) async throws -> Bool

    /// Writes one batch of traffic changes in a single transaction.
    func write(_ batch: StatsBatch) async throws

    /// A stored setting (e.g. the admin token's hash), or nil.
    func setting(_ name: String) async throws -> String?

    func setSetting(_ name: String, value: String) async throws

    /// Re-encrypts every stored secret under `cipher` (and recomputes the duplicate-detection hashes) in one
    /// transaction: all keys move to the new key, or none do.
    /// - Returns: the number of keys rewritten.
    func rotateSecrets(to cipher: SecretCipher) async throws -> Int

    /// The store's change revision: it grows with every change another instance should see.
    func revision() async throws -> Int64

    /// What other writers changed after `revision` (this store object's own writes left out), with the
    /// revision it brings the reader to.
    func changes(after revision: Int64) async throws -> StoreChanges

    /// Wake-ups soon after another writer committed a change (PostgreSQL's LISTEN), or nil where the reader
    /// must poll. A wake-up may also come without a change (e.g. after a reconnect): it means "catch up now".
    func changeSignals() -> AsyncStream<Void>?

    /// Closes the store; later calls fail.
    func close() async throws

    // MARK: - Jobs and leadership (issue #14: jobs in the store, singleton work)

    /// Creates or replaces a job's row: at its start, with its progress (at most ~1/s), and its final state.
    func saveJob(_ job: StoredJob) async throws

    /// A stored job with its result, or nil.
    func job(id: String) async throws -> StoredJob?

    /// The most recent jobs (by creation), newest first, without their results.
    func recentJobs(limit: Int) async throws -> [StoredJob]

    /// Records that `instance` is alive at `time`; `name` is its stable name (host and port), when it has one.
    func recordHeartbeat(instance: String, name: String?, at time: Date) async throws

    /// Marks `failed` (with `reason`) the running jobs whose instance stopped, as `rule` says.
    /// - Returns: how many jobs were marked.
    @discardableResult
    func failAbandonedJobs(_ rule: AbandonedJobsRule, reason: String, at time: Date) async throws -> Int

    /// Deletes finished jobs that finished before `cutoff`, and heartbeats older than it.
    /// - Returns: how many jobs were deleted.
    @discardableResult
    func pruneJobs(finishedBefore cutoff: Date) async throws -> Int

    /// A lock that one instance at a time holds (see `LeaderLock`).
    func makeLeaderLock() -> any LeaderLock

    // MARK: - (end of the jobs and leadership block)

    // MARK: - Cluster: shared totals and published key health (issue #14, cluster half)
    //
    // `write(_:)` merges a batch's `keyHealth` under `KeyHealth.merge`'s rule (a later penalty wins, a stale
    // `active` undoes nothing) and logs what it changed for the change feed (`StoreChanges.health`); it stamps
    // the key statistics it writes with the store's revision, so `sharedTotals` can read back what changed.

    /// The store's counters now: per key only those changed after `revision` (absolute), handed to `keyStats` in
    /// pages of at most `SharedTotals.keyStatsPageSize` as they are read (the answer's `keyStats` stays empty), so
    /// reading back every key of a large pool never holds them all at once; every token's count, the totals, and
    /// model hours from `hoursSince` (seconds since 1970) on. A read that fails part way may have handed out some
    /// pages: they are absolute counters, so taking them in again when the read is repeated changes nothing.
    /// A shared store leaves the per-key counters out when only this store object stamped statistics after
    /// `revision` and its change log still reaches back to it: those rows equal what this instance flushed.
    func sharedTotals(
        keysChangedAfter revision: Int64, hoursSince: Int, keyStats: @escaping @Sendable ([KeyStatsRecord]) -> Void
    ) async throws -> SharedTotals

    /// Whether the LISTEN connection behind `changeSignals()` is up; nil for a store without one.
    var listenConnectionUp: Bool? { get }

    // MARK: - Token policies and usage (issue #15: client token limits)

    /// Replaces a token's name, expiry, provider scope and policy; its hash and counters stay. The change is
    /// logged so other instances apply it.
    /// - Returns: false when no token had this id.
    func updateToken(_ token: ClientTokenRecord) async throws -> Bool

    /// Adds usage per token and UTC day (flushed in batches, never from the request path); rows of tokens
    /// deleted meanwhile are skipped.
    func addTokenUsage(_ deltas: [TokenUsageDelta]) async throws

    /// Each token's stored usage today, this month and in total (UTC), to start the quotas after a restart.
    func tokenUsage(now: Date) async throws -> [TokenUsageTotals]

    /// Leases up to `request.amount` of one window of one of a token's limits, never leasing more than
    /// `request.limit` in total over all instances; the grant may be smaller, 0 when the window is spent.
    func leaseTokenBudget(tokenID: String, request: BudgetRequest) async throws -> BudgetGrant

    // MARK: - (end of the token policies block)

    // MARK: - Request log (issue #16): one row per proxied request, written in batches off the request path

    /// Appends finished requests' records in one transaction.
    func appendRequestLog(_ records: [RequestRecord]) async throws

    /// At most `limit` records that `filter` wants, newest first by (start time, id), strictly before `cursor`.
    func requestLog(_ filter: RequestFilter, limit: Int, before cursor: RequestCursor?) async throws -> [RequestRecord]

    /// The usage summary of the stored records in the query's range.
    func requestUsage(_ query: UsageQuery) async throws -> [UsageRow]

    /// Deletes the records of requests started before `cutoff`.
    /// - Returns: how many were deleted.
    @discardableResult
    func pruneRequestLog(before cutoff: Date) async throws -> Int

    // MARK: - (end of the request log block)

    // MARK: - Providers as configuration (issue #17)

    /// Creates or replaces a provider definition by name (an operator's provider, or an override of a built-in's
    /// editable fields), logged for the change feed.
    func saveProvider(_ definition: ProviderDefinition) async throws

    /// Deletes a stored definition (not its keys), logged for the change feed.
    /// - Returns: false when none had the name.
    func deleteProvider(name: ProviderID) async throws -> Bool

    /// Replaces existing keys' weight and tier, logged for the change feed (the key then comes in
    /// `StoreChanges.keys` with its new placement); unknown ids are ignored.
    func updateKeyPlacements(_ records: [KeyPlacementRecord]) async throws

    // MARK: - (end of the providers block)
}
