import Foundation
import Logging
import PoolCore
import PostgresNIO
import Synchronization

/// The shared store: a PostgreSQL database reached through postgres-nio's `PostgresClient` (a connection pool).
///
/// Several gateway instances may use one database. Secrets are always sealed with `ENCRYPTION_KEY`: unlike
/// SQLite there is no file beside the database to keep a generated key in, so a cipher is required.
public final class PostgresStore: PoolStore, Sendable {
    /// Model hours older than this are neither loaded nor kept (as with SQLite).
    static let modelHourRetention: TimeInterval = 30 * 86_400

    /// How long opening waits for the server (and for another instance's migration) before it gives up with a
    /// clear message. Generous: a loaded machine can take many seconds to hand out a first connection.
    public static let connectTimeout: Duration = .seconds(60)

    /// How long an operation waits for a pooled connection (see `connection(_:)`); as long as the shutdown
    /// grace, so that a last flush during an outage does not hold the exit much longer.
    static let leaseTimeout: Duration = .seconds(30)

    /// Always `postgres`, for `/health`.
    public var kind: String { "postgres" }

    /// Where the store is, without the password.
    public let settings: PostgresConnectionSettings

    let client: PostgresClient
    let cipher: SecretCipher
    /// Marks this object's rows in the change log, which `changes(after:)` leaves out.
    let origin = UUID().uuidString
    /// This object's latest statistics stamp in the change log, replaced by the next one (see
    /// `SQLiteStore.logStatsStamp`).
    let statsStamp = Mutex<Int64?>(nil)
    /// Whether the LISTEN connection (`changeSignals()`) is up.
    let listening = LeaseFlag()
    let logger: Logger
    private let running: Task<Void, Never>
    private let closed = Mutex(false)

    /// Connects, migrates the schema (under an advisory lock) and reconciles stored secrets with `cipher`:
    /// refuses a cipher that cannot open them, seals plain ones, recomputes hashes when the hash key changed.
    /// - Throws: `StoreError` phrased for operators, never with the password.
    /// - Parameter connectTimeout: how long to wait for the server (default `PostgresStore.connectTimeout`).
    public init(
        settings: PostgresConnectionSettings, cipher: SecretCipher, logger: Logger,
        connectTimeout: Duration = PostgresStore.connectTimeout
    ) async throws {
        self.settings = settings
        self.cipher = cipher
        self.logger = logger
        // postgres-nio logs every failed connection attempt (at info, several a second while the server is
        // away); the store's users log an outage once instead (`StoreOutageLog`, the LISTEN loop).
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: poolLogger)
        self.client = client
        running = Task { await client.run() }
        do {
            try await withStoreDeadline(connectTimeout, what: "reach PostgreSQL at \(settings)") {
                try await client.withConnection { connection in
                    try await PostgresSchema.migrate(connection, logger: logger)
                }
            }
            try await reconcileSecrets()
            let cutoff = Date().timeIntervalSince1970 - Self.modelHourRetention
            try await connection { connection in
                try await connection.query(
                    "DELETE FROM model_hours WHERE hour_start < \(Int64(cutoff))", logger: logger)
                let oldChanges = Date().timeIntervalSince1970 - SQLiteStore.changeLogRetention
                try await connection.query("DELETE FROM change_log WHERE at < \(oldChanges)", logger: logger)
            }
        } catch {
            running.cancel()
            await running.value
            if let error = error as? StoreError { throw error }
            throw StoreError("cannot prepare the PostgreSQL database \(settings): \(Self.describe(error))")
        }
        logger.info("PostgreSQL store opened", metadata: ["database": "\(settings)"])
    }

    // MARK: - Keys

    /// Inserts the keys in one transaction, `PostgresArrays.chunkSize` rows per statement, sealing every secret.
    /// A key whose provider and identity (`KeyIdentity`) are already stored (or earlier in the batch) is skipped;
    /// a taken id fails the whole batch.
    public func insertKeys(_ keys: [KeyRecord]) async throws -> Set<String> {
        try checkOpen()
        guard !keys.isEmpty else { return [] }
        var sealed: [(key: KeyRecord, secret: String, hash: String)] = []
        sealed.reserveCapacity(keys.count)
        for key in keys {
            sealed.append(
                (
                    key, try cipher.seal(key.secret),
                    cipher.keyHash(provider: key.provider, baseURL: key.baseURL, secret: key.secret)
                ))
        }
        let rows = sealed
        return try await transaction { connection in
            // First: the revision row's lock orders this insert with every other logged change.
            let revision = try await connection.query(
                "SELECT rev FROM store_revision WHERE id = 1 FOR UPDATE", logger: self.logger)
            for try await _ in revision {}
            var inserted = Set<String>()
            var firstSeq = Int64.max
            var lastSeq = Int64.min
            for chunk in PostgresArrays.chunks(rows) {
                let conditions = chunk.map { StoredCondition($0.key.health.condition) }
                let ids = chunk.map(\.key.id)
                let providers = chunk.map(\.key.provider.rawValue)
                let secrets = chunk.map(\.secret)
                let hashes = chunk.map(\.hash)
                let usernames = chunk.map { PostgresArrays.text($0.key.username) }
                let created = chunk.map { $0.key.createdAt.timeIntervalSince1970 }
                let expires = chunk.map { PostgresArrays.number(StoreColumns.seconds($0.key.expiresAt)) }
                let statuses = conditions.map(\.status)
                let untils = conditions.map { PostgresArrays.number($0.until) }
                let reasons = conditions.map { PostgresArrays.text($0.reason) }
                let failures = chunk.map { Int64($0.key.health.consecutiveFailures) }
                let rateLimits = chunk.map { Int64($0.key.health.consecutiveRateLimits) }
                let disables = chunk.map { Int64($0.key.health.failureDisables) }
                let models = chunk.map { StoreColumns.encodeModels($0.key.models) }
                let categories = chunk.map { PostgresArrays.text($0.key.category) }
                let credits = chunk.map { PostgresArrays.text(StoreColumns.encodeCredit($0.key.credit)) }
                let baseURLs = chunk.map { PostgresArrays.text($0.key.baseURL) }
                let weights = chunk.map { Int64($0.key.placement.weight) }
                let tiers = chunk.map { Int64($0.key.placement.tier) }
                let insertedRows = try await connection.query(
                    """
                    INSERT INTO keys (id, provider, secret, secret_hash, username, created_at, expires_at, status,
                                      status_until, status_reason, consecutive_failures, consecutive_rate_limits,
                                      failure_disables, models, category, credit, base_url, weight, tier)
                    SELECT id, provider, secret, hash, \(unescaped: PostgresArrays.nullableText("username")),
                           created, \(unescaped: PostgresArrays.nullableNumber("expires")), status,
                           \(unescaped: PostgresArrays.nullableNumber("until")),
                           \(unescaped: PostgresArrays.nullableText("reason")), failures, rate_limits, disables,
                           models, \(unescaped: PostgresArrays.nullableText("category")),
                           \(unescaped: PostgresArrays.nullableText("credit")),
                           \(unescaped: PostgresArrays.nullableText("base_url")), weight, tier
                    FROM unnest(\(ids)::text[], \(providers)::text[], \(secrets)::text[], \(hashes)::text[],
                                \(usernames)::text[], \(created)::float8[], \(expires)::float8[], \(statuses)::text[],
                                \(untils)::float8[], \(reasons)::text[], \(failures)::int8[], \(rateLimits)::int8[],
                                \(disables)::int8[], \(models)::text[], \(categories)::text[], \(credits)::text[],
                                \(baseURLs)::text[], \(weights)::int8[], \(tiers)::int8[])
                         WITH ORDINALITY AS t(id, provider, secret, hash, username, created, expires, status, until,
                                              reason, failures, rate_limits, disables, models, category, credit,
                                              base_url, weight, tier, ord)
                    ORDER BY ord
                    ON CONFLICT (provider, secret_hash) DO NOTHING
                    RETURNING id, seq
                    """, logger: self.logger)
                for try await (id, seq) in insertedRows.decode((String, Int64).self) {
                    inserted.insert(id)
                    firstSeq = min(firstSeq, seq)
                    lastSeq = max(lastSeq, seq)
                }
            }
            if !inserted.isEmpty {
                try await self.logChanges(ChangeKind.keysAdded, items: ["\(firstSeq):\(lastSeq)"], connection)
            }
            return inserted
        }
    }

    /// Deletes the keys and, through the foreign key, their statistics. Unknown ids are ignored.
    public func deleteKeys(ids: [String]) async throws {
        try checkOpen()
        guard !ids.isEmpty else { return }
        try await transaction { connection in
            try await self.logChanges(ChangeKind.key, items: ids, connection)
            for chunk in PostgresArrays.chunks(ids.sorted()) {
                let chunkIDs = Array(chunk)
                try await connection.query(
                    "DELETE FROM keys WHERE id = ANY(\(chunkIDs)::text[])", logger: self.logger)
            }
        }
    }

    /// Replaces condition and failure counters of existing keys; records for unknown keys are ignored.
    public func updateKeyHealth(_ records: [KeyHealthRecord]) async throws {
        try checkOpen()
        guard !records.isEmpty else { return }
        try await transaction { connection in
            try await self.logChanges(ChangeKind.key, items: records.map(\.keyID), connection)
            try await self.writeHealth(records, connection)
        }
    }

    /// Replaces models, category and credit of existing keys; unknown ids change no row.
    public func updateKeyProfiles(_ records: [KeyProfileRecord]) async throws {
        try checkOpen()
        guard !records.isEmpty else { return }
        let latest = Self.lastPerID(records, id: \.keyID)
        try await transaction { connection in
            for chunk in PostgresArrays.chunks(latest) {
                let ids = chunk.map(\.keyID)
                let models = chunk.map { StoreColumns.encodeModels($0.models) }
                let categories = chunk.map { PostgresArrays.text($0.category) }
                let credits = chunk.map { PostgresArrays.text(StoreColumns.encodeCredit($0.credit)) }
                try await connection.query(
                    """
                    UPDATE keys SET models = u.models,
                                    category = \(unescaped: PostgresArrays.nullableText("u.category")),
                                    credit = \(unescaped: PostgresArrays.nullableText("u.credit"))
                    FROM unnest(\(ids)::text[], \(models)::text[], \(categories)::text[], \(credits)::text[])
                         AS u(id, models, category, credit)
                    WHERE keys.id = u.id
                    """, logger: self.logger)
            }
        }
    }

    // MARK: - Client tokens

    /// Stores a new client token.
    /// - Throws: `StoreError` when a token with the same id or token hash exists.
    public func insertToken(_ token: ClientTokenRecord) async throws {
        try checkOpen()
        let expires = StoreColumns.seconds(token.expiresAt)
        do {
            try await transaction { connection in
                try await self.logChanges(ChangeKind.token, items: [token.id], connection)
                try await connection.query(
                    """
                    INSERT INTO client_tokens (id, name, token_hash, prefix, created_at, expires_at, provider,
                                           request_count, policy)
                    VALUES (\(token.id), \(token.name), \(token.tokenHash), \(token.prefix),
                            \(token.createdAt.timeIntervalSince1970), \(expires), \(token.provider?.rawValue),
                            \(Int64(token.requestCount)), \(token.policy.storedJSON()))
                    """, logger: self.logger)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw StoreError("a client token with this id or token hash already exists")
        }
    }

    /// Deletes a client token.
    /// - Returns: false when no token had this id.
    public func deleteToken(id: String) async throws -> Bool {
        try checkOpen()
        return try await transaction { connection in
            let rows = try await connection.query(
                "DELETE FROM client_tokens WHERE id = \(id) RETURNING id", logger: self.logger)
            var deleted = false
            for try await _ in rows { deleted = true }
            if deleted { try await self.logChanges(ChangeKind.token, items: [id], connection) }
            return deleted
        }
    }

    // MARK: - Settings

    /// A stored setting, or nil when it was never set.
    public func setting(_ name: String) async throws -> String? {
        try checkOpen()
        return try await connection { connection in
            let rows = try await connection.query(
                "SELECT value FROM settings WHERE name = \(name)", logger: self.logger)
            var value: String?
            for try await stored in rows.decode(String.self) { value = stored }
            return value
        }
    }

    /// Creates or replaces a setting.
    public func setSetting(_ name: String, value: String) async throws {
        try checkOpen()
        try await connection { connection in try await Self.storeSetting(name, value: value, connection, self.logger) }
    }

    static func storeSetting(
        _ name: String, value: String, _ connection: PostgresConnection, _ logger: Logger
    )
        async throws
    {
        try await connection.query(
            """
            INSERT INTO settings (name, value) VALUES (\(name), \(value))
            ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """, logger: logger)
    }

    // MARK: - Lifecycle

    /// Closes the connection pool; later calls throw `StoreError`. Closing twice is harmless.
    public func close() async throws {
        let wasClosed = closed.withLock { isClosed in
            defer { isClosed = true }
            return isClosed
        }
        guard !wasClosed else { return }
        running.cancel()
        await running.value
        logger.info("PostgreSQL store closed", metadata: ["database": "\(settings)"])
    }

    func checkOpen() throws {
        if closed.withLock({ $0 }) { throw StoreError("the PostgreSQL store is closed") }
    }

    /// Runs `body` in one transaction on a pooled connection (see `connection(_:)`).
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await connection { connection in
                try await connection.withTransaction(logger: self.logger) { connection in try await body(connection) }
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }

    /// Runs `body` on a pooled connection. postgres-nio waits for a connection as long as the server is away;
    /// this gives up after `leaseTimeout` instead, so that a flush (or the last flush at shutdown) fails and is
    /// retried rather than hanging. Work that has begun is never cut short.
    func connection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let leased = LeaseFlag()
        let client = self.client
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.set()
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: Self.leaseTimeout)
                guard leased.isSet else {
                    throw StoreError("cannot reach PostgreSQL at \(self.settings) (no connection within 30 s)")
                }
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw StoreError("PostgreSQL operation ended without a result")
        }
    }

    /// The last record for each id, sorted by id, so that concurrent writers lock rows in one order.
    static func lastPerID<Record>(_ records: [Record], id: KeyPath<Record, String>) -> [Record] {
        var latest: [String: Record] = [:]
        for record in records { latest[record[keyPath: id]] = record }
        return latest.keys.sorted().map { latest[$0]! }
    }

    /// The server's message for a failed statement; postgres-nio's own descriptions hide it (on purpose, since
    /// they may quote bound values), and neither contains the password.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            return describe(error.closureError ?? error.commitError ?? error.beginError ?? error)
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        if let error = error as? StoreError { return error.description }
        return String(describing: type(of: error))
    }
}

/// A flag set from one task and read from another: whether an operation got its connection, whether the LISTEN
/// connection is up.
final class LeaseFlag: Sendable {
    private let value = Mutex(false)

    func set(_ isSet: Bool = true) { value.withLock { $0 = isSet } }

    var isSet: Bool { value.withLock { $0 } }
}
