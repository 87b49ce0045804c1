import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema, as an ordered list of named migrations, applied at open under an advisory lock so
/// that two instances starting together cannot both migrate.
///
/// Migrations are append-only, as SQLite's (`StoreSchema`). Each is a list of statements (the extended query
/// protocol takes one statement at a time) run in one transaction with its row in `schema_migrations`. The
/// tables mirror SQLite's at its v3; dates are `double precision` seconds since 1970, as there, so values
/// round-trip bit for bit and both stores share their column encodings (`StoreColumns`, `StoredCondition`).
enum PostgresSchema {
    /// `pg_advisory_lock` key held while migrating (the bytes of "olpoolmg").
    static let migrationLock: Int64 = 0x6F6C_706F_6F6C_6D67

    static let migrations: [(name: String, statements: [String])] = [
        ("v1-initial", v1Initial),
        ("v2-key-stats-revision", v2KeyStatsRevision),
        ("v3-jobs", v3Jobs),
        ("v4-token-policies", v4TokenPolicies),
        ("v5-health-replaced-at", v5HealthReplacedAt),
        ("v6-request-log", v6RequestLog),
        ("v7-providers", v7Providers),
        ("v8-request-log-model-index", v8RequestLogModelIndex),
    ]

    /// Applies the migrations not yet recorded, each in its own transaction, holding the advisory lock.
    /// - Throws: `StoreError` when the database has migrations this version does not know (a newer gateway ran).
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query("SELECT pg_advisory_lock(\(migrationLock))", logger: logger)
        do {
            try await applyPending(connection, logger: logger)
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
            throw error
        }
        _ = try await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
    }

    private static func applyPending(_ connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name text PRIMARY KEY, applied_at double precision NOT NULL)
            """, logger: logger)
        var applied = Set<String>()
        for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger)
            .decode(String.self)
        {
            applied.insert(name)
        }
        let known = Set(migrations.map(\.name))
        if let unknown = applied.subtracting(known).sorted().first {
            throw StoreError(
                "the PostgreSQL database was migrated by a newer version of ollama-pool (\(unknown)); upgrade")
        }
        for migration in migrations where !applied.contains(migration.name) {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let now = Date().timeIntervalSince1970
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (\(migration.name), \(now))",
                    logger: logger)
            }
            logger.info("PostgreSQL schema migrated", metadata: ["migration": "\(migration.name)"])
        }
    }

    /// The revision a key's statistics were last written under, so an instance reads back only the keys whose
    /// shared totals moved (`PostgresStore.sharedTotals`).
    private static let v2KeyStatsRevision = [
        "ALTER TABLE key_stats ADD COLUMN rev bigint NOT NULL DEFAULT 0",
        "CREATE INDEX key_stats_by_rev ON key_stats(rev)",
    ]

    /// When a key's health was last replaced (an admin's change, a probe's lift): health an instance decided
    /// before it is stale and changes nothing (`KeyHealthRecord.decidedAt`). NULL: never replaced.
    private static let v5HealthReplacedAt = [
        "ALTER TABLE keys ADD COLUMN health_replaced_at double precision"
    ]

    /// One row per proxied request, as SQLite's `v10-request-log` (`RequestLogColumns`); ids compare bytewise
    /// (`COLLATE "C"`) so paging orders them as the memory ring does.
    private static let v6RequestLog = [
        """
        CREATE TABLE request_log (
            id text COLLATE "C" NOT NULL,
            started_us bigint NOT NULL,
            token_id text,
            token_name text,
            provider text NOT NULL,
            route text NOT NULL,
            model text,
            stream boolean NOT NULL,
            status bigint NOT NULL,
            seconds double precision NOT NULL,
            first_byte_seconds double precision,
            upstream_seconds double precision NOT NULL,
            attempts text NOT NULL,
            prompt_tokens bigint,
            completion_tokens bigint,
            cached boolean NOT NULL,
            error text,
            body text,
            key_ids text NOT NULL,
            answer_key_id text,
            failed bigint NOT NULL)
        """,
        "CREATE INDEX request_log_started_at ON request_log (started_us, id)",
        "CREATE INDEX request_log_token ON request_log (token_id, started_us)",
        "CREATE INDEX request_log_model ON request_log (model, started_us)",
    ]

    /// Providers as configuration, as SQLite's `v11-providers`: a key's own base URL and its placement, and the
    /// provider definitions the admin API stored. Existing keys' hashes stay valid (see there).
    private static let v7Providers = [
        "ALTER TABLE keys ADD COLUMN base_url text",
        "ALTER TABLE keys ADD COLUMN weight bigint NOT NULL DEFAULT 1",
        "ALTER TABLE keys ADD COLUMN tier bigint NOT NULL DEFAULT 1",
        """
        CREATE TABLE providers (
            name text PRIMARY KEY,
            definition text NOT NULL,
            created_at double precision NOT NULL,
            updated_at double precision NOT NULL)
        """,
    ]

    /// As SQLite's `v12-request-log-model-index`: the `model` index cost each record's insert more than the filter
    /// it served needs (see there).
    private static let v8RequestLogModelIndex = ["DROP INDEX IF EXISTS request_log_model"]

    private static let v1Initial = [
        """
        CREATE TABLE keys (
            -- insertion order, which the snapshot keeps (SQLite's rowid)
            seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            id text PRIMARY KEY,
            provider text NOT NULL,
            -- "enc:v1:…": sealed with ENCRYPTION_KEY (required with PostgreSQL)
            secret text NOT NULL,
            -- HMAC of provider and secret; see the secret_hash_fingerprint setting
            secret_hash text NOT NULL,
            username text,
            created_at double precision NOT NULL,
            expires_at double precision,
            status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cooling', 'disabled', 'invalid')),
            status_until double precision,
            status_reason text,
            consecutive_failures bigint NOT NULL DEFAULT 0,
            consecutive_rate_limits bigint NOT NULL DEFAULT 0,
            failure_disables bigint NOT NULL DEFAULT 0,
            -- JSON array of model names; empty means "not yet known"
            models text NOT NULL DEFAULT '[]',
            category text,
            credit text,
            UNIQUE (provider, secret_hash)
        )
        """,
        """
        CREATE TABLE key_stats (
            key_id text PRIMARY KEY REFERENCES keys(id) ON DELETE CASCADE,
            requests bigint NOT NULL DEFAULT 0,
            successes bigint NOT NULL DEFAULT 0,
            failures bigint NOT NULL DEFAULT 0,
            latency_ms_sum bigint NOT NULL DEFAULT 0,
            prompt_tokens bigint NOT NULL DEFAULT 0,
            completion_tokens bigint NOT NULL DEFAULT 0,
            last_used double precision,
            last_success double precision,
            last_failure double precision
        )
        """,
        """
        CREATE TABLE client_tokens (
            id text PRIMARY KEY,
            name text NOT NULL,
            token_hash text NOT NULL UNIQUE,
            prefix text NOT NULL,
            created_at double precision NOT NULL,
            expires_at double precision,
            provider text,
            request_count bigint NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE global_stats (
            provider text PRIMARY KEY,
            requests bigint NOT NULL DEFAULT 0,
            successes bigint NOT NULL DEFAULT 0,
            failures bigint NOT NULL DEFAULT 0,
            client_errors bigint NOT NULL DEFAULT 0,
            upstream_failures bigint NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE refusal_stats (
            provider text NOT NULL,
            reason text NOT NULL,
            requests bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (provider, reason)
        )
        """,
        """
        CREATE TABLE model_hours (
            provider text NOT NULL,
            model text NOT NULL,
            hour_start bigint NOT NULL,
            requests bigint NOT NULL DEFAULT 0,
            successes bigint NOT NULL DEFAULT 0,
            failures bigint NOT NULL DEFAULT 0,
            client_errors bigint NOT NULL DEFAULT 0,
            upstream_failures bigint NOT NULL DEFAULT 0,
            refused bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (provider, model, hour_start)
        )
        """,
        "CREATE INDEX model_hours_by_hour ON model_hours(hour_start)",
        """
        CREATE TABLE applied_batches (
            id text PRIMARY KEY,
            applied_at double precision NOT NULL
        )
        """,
        "CREATE INDEX applied_batches_by_time ON applied_batches(applied_at)",
        // The change feed (PostgresStore+Changes): the revision counter and what each revision changed.
        "CREATE TABLE store_revision (id integer PRIMARY KEY CHECK (id = 1), rev bigint NOT NULL)",
        "INSERT INTO store_revision (id, rev) VALUES (1, 0)",
        """
        CREATE TABLE change_log (
            rev bigint NOT NULL,
            origin text NOT NULL,
            kind text NOT NULL,
            item text NOT NULL,
            at double precision NOT NULL
        )
        """,
        "CREATE INDEX change_log_by_rev ON change_log(rev)",
        """
        CREATE TABLE settings (
            name text PRIMARY KEY,
            value text NOT NULL
        )
        """,
    ]

    /// Background jobs and instance heartbeats (`PostgresStore+Jobs`), as SQLite's `v7-jobs`: a job started on
    /// one instance is readable on every other, and one left `running` by a stopped instance is marked failed.
    private static let v3Jobs = [
        """
        CREATE TABLE jobs (
            id text PRIMARY KEY,
            kind text NOT NULL,
            instance text NOT NULL,
            state text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
            total bigint NOT NULL DEFAULT 0,
            done bigint NOT NULL DEFAULT 0,
            valid bigint NOT NULL DEFAULT 0,
            invalid bigint NOT NULL DEFAULT 0,
            created_at double precision NOT NULL,
            updated_at double precision NOT NULL,
            finished_at double precision,
            elapsed double precision NOT NULL DEFAULT 0,
            error text,
            -- the finished job's answer as the admin API shows it (JSON, keys masked)
            result text
        )
        """,
        "CREATE INDEX jobs_by_state ON jobs(state, instance)",
        "CREATE INDEX jobs_by_creation ON jobs(created_at)",
        """
        CREATE TABLE instance_heartbeats (
            instance text PRIMARY KEY,
            -- host and port, when the instance has a stable one: a restarted instance recognises its old jobs
            name text,
            beat_at double precision NOT NULL
        )
        """,
    ]

    /// Client token policies, usage per UTC day and budget leases, as SQLite's `v8-token-policies`. A lease row
    /// is what all instances together took of one window of one limit; `PostgresStore.leaseTokenBudget` grows
    /// it with one conditional statement and never past the limit.
    private static let v4TokenPolicies = [
        "ALTER TABLE client_tokens ADD COLUMN policy text",
        """
        CREATE TABLE token_usage (
            token_id text NOT NULL REFERENCES client_tokens(id) ON DELETE CASCADE,
            day_start bigint NOT NULL,
            requests bigint NOT NULL DEFAULT 0,
            tokens bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (token_id, day_start)
        )
        """,
        """
        CREATE TABLE token_budget_leases (
            token_id text NOT NULL,
            kind text NOT NULL,
            window_start bigint NOT NULL,
            leased bigint NOT NULL DEFAULT 0,
            last_grant bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (token_id, kind, window_start)
        )
        """,
    ]
}
