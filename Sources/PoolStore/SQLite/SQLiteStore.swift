import Foundation
import GRDB
import Logging
import PoolCore
import Synchronization

/// The embedded default store: one SQLite file in WAL mode, accessed through a GRDB `DatabasePool`.
///
/// WAL lets the snapshot load and admin reads run while a stats batch is being written. All protocol methods
/// use GRDB's async APIs, so database work runs on GRDB's own queues instead of blocking the cooperative pool.
public final class SQLiteStore: PoolStore, Sendable {
    /// Model hours older than this are neither loaded nor kept.
    static let modelHourRetention: TimeInterval = 30 * 86_400

    /// Ids per `IN (…)` list; well below SQLite's bound-parameter limit.
    static let deleteChunkSize = 500

    /// Always `sqlite`, for `/health`.
    public var kind: String { "sqlite" }

    /// The file this store was opened on.
    public let path: String

    let pool: DatabasePool
    let cipher: SecretCipher?
    /// Marks this object's rows in the change log, which `changes(after:)` leaves out.
    let origin = UUID().uuidString
    /// This object's latest statistics stamp in the change log (`logStatsStamp`), replaced by the next one.
    let statsStamp = Mutex<Int64?>(nil)
    let logger: Logger
    private let closed = Mutex(false)

    /// Opens (creating if needed) the database at `path`, migrates it and reconciles its secrets with `cipher`.
    ///
    /// Reconciling means: refuse to start when the file holds encrypted secrets and no cipher is given, or
    /// when the cipher's passphrase is not the one they were sealed with; seal any plain secrets when a cipher
    /// is given; and recompute every duplicate-detection hash when the hashing scheme changed since last time.
    /// - Throws: `StoreError` phrased for operators.
    public init(path: String, cipher: SecretCipher?, logger: Logger) throws {
        self.path = path
        self.cipher = cipher
        self.logger = logger

        var configuration = Configuration()
        configuration.label = "PoolStore"
        configuration.foreignKeysEnabled = true
        // Readers and the writer may briefly contend on checkpoints; wait rather than fail a flush.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL with NORMAL survives process crashes; at worst a power loss drops the last flushed batch.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Overwrite freed space so replaced plain secrets do not linger in the file.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // A smaller page cache per connection than SQLite's 2 MB: the flush and the read-back touch every
            // key's statistics row, so with 100,000 keys each connection's cache filled to its limit (12 MB of
            // the process's memory over six connections); the file's pages stay in the OS cache anyway.
            try db.execute(sql: "PRAGMA cache_size = -512")
            // Statement journals in memory: each of the request log's multi-row INSERTs inside its batch's
            // transaction journals the pages it changes, and on disk that was a temporary file rewritten with every
            // statement (~1.5 KB a proxied request, as much again as the log's own writes). They hold a few pages
            // for one statement at a time.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        // The writer and two readers: reads are the change feed, the flusher's read-back and admin answers.
        configuration.maximumReaderCount = 2

        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError("cannot open the SQLite database at \(path): \(Self.describe(error))")
        }
        do {
            try StoreSchema.migrator.migrate(pool)
        } catch {
            throw StoreError("cannot prepare the SQLite database at \(path): \(Self.describe(error))")
        }
        try reconcileSecrets()
        try pruneModelHours()
        try pool.write { db in try Self.pruneChangeLog(db) }
        logger.info("SQLite store opened", metadata: ["path": "\(path)", "encrypted": "\(cipher != nil)"])
    }

    // MARK: - Loading

    /// Reads all keys (secrets opened), their statistics, client tokens, global counters and the model hours
    /// of the last 30 days, in one read transaction so the parts agree with each other.
    public func loadSnapshot(
        keyBatches: (@Sendable (_ keys: [KeyRecord], _ stats: [KeyStatsRecord]) -> Void)?
    ) async throws -> StoreSnapshot {
        try checkOpen()
        let since = Int(Date().timeIntervalSince1970 - Self.modelHourRetention)
        return try await pool.read { [cipher] db in
            var snapshot = StoreSnapshot()
            let keyRows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT k.id, k.provider, k.secret, k.username, k.created_at, k.expires_at, k.status, k.status_until,
                           k.status_reason, k.consecutive_failures, k.consecutive_rate_limits, k.failure_disables,
                           k.models, k.category, k.credit, k.base_url, k.weight, k.tier,
                           s.key_id, s.requests, s.successes, s.failures, s.latency_ms_sum, s.prompt_tokens,
                           s.completion_tokens, s.last_used, s.last_success, s.last_failure
                    FROM keys k LEFT JOIN key_stats s ON s.key_id = k.id ORDER BY k.rowid
                    """)
            let batchSize = 1024
            var keys: [KeyRecord] = []
            var stats: [KeyStatsRecord] = []
            keys.reserveCapacity(batchSize)
            while let row = try keyRows.next() {
                keys.append(try Self.keyRecord(row, cipher: cipher))
                if let keyID: String = row[18] {
                    stats.append(
                        KeyStatsRecord(
                            keyID: keyID, requests: row[19], successes: row[20], failures: row[21],
                            latencyMillisSum: row[22], promptTokens: row[23], completionTokens: row[24],
                            lastUsed: StoreColumns.date(row[25]), lastSuccess: StoreColumns.date(row[26]),
                            lastFailure: StoreColumns.date(row[27])))
                }
                if let keyBatches, keys.count == batchSize {
                    keyBatches(keys, stats)
                    keys.removeAll(keepingCapacity: true)
                    stats.removeAll(keepingCapacity: true)
                }
            }
            if let keyBatches {
                if !keys.isEmpty { keyBatches(keys, stats) }
            } else {
                snapshot.keys = keys
                snapshot.keyStats = stats
            }

            let tokenRows = try Row.fetchCursor(
                db, sql: "\(Self.tokenColumns) FROM client_tokens ORDER BY created_at, id")
            while let row = try tokenRows.next() { snapshot.tokens.append(Self.tokenRecord(row)) }

            snapshot.globalStats = try Self.loadGlobalStats(db)
            snapshot.modelHours = try Self.loadModelHours(since: since, db)
            snapshot.providers = try Self.loadProviders(db)
            return snapshot
        }
    }

    /// A stored secret in clear: opened with `cipher` when sealed, as stored when plain.
    static func openSecret(_ stored: String, cipher: SecretCipher?) throws -> String {
        guard SecretCipher.isSealed(stored) else { return stored }
        // Reconciliation at open guarantees a cipher whenever sealed rows exist.
        guard let cipher else { throw StoreError("the database holds encrypted secrets: set ENCRYPTION_KEY") }
        return try cipher.open(stored)
    }

    static func keyRecord(_ row: Row, cipher: SecretCipher?) throws -> KeyRecord {
        let secret = try openSecret(row[2], cipher: cipher)
        let condition = StoredCondition(status: row[6], until: row[7], reason: row[8]).condition
        return KeyRecord(
            id: row[0], provider: ProviderID(rawValue: row[1]), secret: secret, username: row[3],
            createdAt: Date(timeIntervalSince1970: row[4]), expiresAt: StoreColumns.date(row[5]),
            health: KeyHealth(
                condition: condition, consecutiveFailures: row[9], consecutiveRateLimits: row[10],
                failureDisables: row[11]),
            models: StoreColumns.decodeModels(row[12]), category: row[13], credit: StoreColumns.decodeCredit(row[14]),
            baseURL: row[15], placement: StoreColumns.placement(weight: row[16], tier: row[17]))
    }

    // MARK: - Keys

    /// Inserts the batch in one transaction, sealing secrets when a cipher is set. A key whose provider and
    /// identity (`KeyIdentity`: the secret, and the base URL when it has one) are already stored (or appear
    /// earlier in the same batch) is skipped.
    /// - Returns: the ids of the keys actually inserted.
    public func insertKeys(_ keys: [KeyRecord]) async throws -> Set<String> {
        try checkOpen()
        guard !keys.isEmpty else { return [] }
        return try await pool.write { [cipher, origin] db in
            let before = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM keys") ?? 0
            // One prepared statement for the whole batch: parsing SQL once matters at 100,000 rows.
            let statement = try db.makeStatement(
                sql: """
                    INSERT INTO keys (id, provider, secret, secret_hash, username, created_at, expires_at, status,
                                      status_until, status_reason, consecutive_failures, consecutive_rate_limits,
                                      failure_disables, models, category, credit, base_url, weight, tier)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(provider, secret_hash) DO NOTHING
                    """)
            var inserted = Set<String>()
            for key in keys {
                let storedSecret = try cipher?.seal(key.secret) ?? key.secret
                let hash =
                    cipher?.keyHash(provider: key.provider, baseURL: key.baseURL, secret: key.secret)
                    ?? SecretCipher.plainKeyHash(provider: key.provider, baseURL: key.baseURL, secret: key.secret)
                let condition = StoredCondition(key.health.condition)
                try statement.execute(arguments: [
                    key.id, key.provider.rawValue, storedSecret, hash, key.username,
                    key.createdAt.timeIntervalSince1970, StoreColumns.seconds(key.expiresAt), condition.status,
                    condition.until, condition.reason, key.health.consecutiveFailures,
                    key.health.consecutiveRateLimits, key.health.failureDisables,
                    StoreColumns.encodeModels(key.models), key.category, StoreColumns.encodeCredit(key.credit),
                    key.baseURL, key.placement.weight, key.placement.tier,
                ])
                if db.changesCount > 0 { inserted.insert(key.id) }
            }
            if !inserted.isEmpty {
                let last = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM keys") ?? before
                try Self.logChange(ChangeKind.keysAdded, item: "\(before + 1):\(last)", origin: origin, db)
            }
            return inserted
        }
    }

    /// Deletes the keys and, through the foreign key, their statistics, in one transaction. Unknown ids are ignored.
    public func deleteKeys(ids: [String]) async throws {
        try checkOpen()
        guard !ids.isEmpty else { return }
        try await pool.write { [origin] db in
            try Self.logChanges(ChangeKind.key, items: ids, origin: origin, db)
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(start + Self.deleteChunkSize, ids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                // key_stats rows go with their key through ON DELETE CASCADE.
                try db.execute(sql: "DELETE FROM keys WHERE id IN (\(marks))", arguments: StatementArguments(chunk))
                start += Self.deleteChunkSize
            }
        }
    }

    /// Replaces condition and failure counters of existing keys; records for unknown keys are ignored.
    public func updateKeyHealth(_ records: [KeyHealthRecord]) async throws {
        try checkOpen()
        guard !records.isEmpty else { return }
        try await pool.write { [origin] db in
            try Self.writeHealth(records, db)
            try Self.logChanges(ChangeKind.key, items: records.map(\.keyID), origin: origin, db)
        }
    }

    // MARK: - Client tokens

    /// Stores a new client token.
    /// - Throws: `StoreError` when a token with the same id or token hash exists.
    public func insertToken(_ token: ClientTokenRecord) async throws {
        try checkOpen()
        do {
            try await pool.write { [origin] db in
                try Self.logChange(ChangeKind.token, item: token.id, origin: origin, db)
                try db.execute(
                    sql: """
                        INSERT INTO client_tokens (id, name, token_hash, prefix, created_at, expires_at, provider,
                                                   request_count, policy)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        token.id, token.name, token.tokenHash, token.prefix, token.createdAt.timeIntervalSince1970,
                        StoreColumns.seconds(token.expiresAt), token.provider?.rawValue, token.requestCount,
                        token.policy.storedJSON(),
                    ])
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError("a client token with this id or token hash already exists")
        }
    }

    /// Deletes a client token.
    /// - Returns: false when no token had this id.
    public func deleteToken(id: String) async throws -> Bool {
        try checkOpen()
        return try await pool.write { [origin] db in
            try db.execute(sql: "DELETE FROM client_tokens WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            try Self.logChange(ChangeKind.token, item: id, origin: origin, db)
            return true
        }
    }

    // MARK: - Settings

    /// A stored setting, or nil when it was never set.
    public func setting(_ name: String) async throws -> String? {
        try checkOpen()
        return try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM settings WHERE name = ?", arguments: [name])
        }
    }

    /// Creates or replaces a setting.
    public func setSetting(_ name: String, value: String) async throws {
        try checkOpen()
        try await pool.write { db in
            try Self.storeSetting(name, value: value, db)
        }
    }

    static func storeSetting(_ name: String, value: String, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO settings (name, value) VALUES (?, ?)
                ON CONFLICT(name) DO UPDATE SET value = excluded.value
                """,
            arguments: [name, value])
    }

    // MARK: - Lifecycle

    /// Closes the database; later calls throw `StoreError`. Closing twice is harmless.
    public func close() async throws {
        let wasClosed = closed.withLock { isClosed in
            defer { isClosed = true }
            return isClosed
        }
        guard !wasClosed else { return }
        try pool.close()
        logger.info("SQLite store closed", metadata: ["path": "\(path)"])
    }

    func checkOpen() throws {
        if closed.withLock({ $0 }) { throw StoreError("the SQLite store is closed") }
    }

    private func pruneModelHours() throws {
        let cutoff = Int(Date().timeIntervalSince1970 - Self.modelHourRetention)
        try pool.write { db in
            try db.execute(sql: "DELETE FROM model_hours WHERE hour_start < ?", arguments: [cutoff])
        }
    }

    /// GRDB's descriptions include the SQL, which is noise for operators; keep the SQLite message.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
