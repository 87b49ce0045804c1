import GRDB

/// The SQLite schema, as an ordered list of migrations.
///
/// Migrations are append-only: a shipped migration is never edited, because databases in the field have
/// already run it. Dates are REAL seconds since 1970 so they round-trip exactly and stay readable in the
/// `sqlite3` shell (`datetime(created_at, 'unixepoch')`).
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial") { db in
            try db.execute(sql: v1Initial)
        }
        migrator.registerMigration("v2-key-credit") { db in
            try db.execute(sql: v2KeyCredit)
        }
        migrator.registerMigration("v3-request-results") { db in
            try db.execute(sql: v3RequestResults)
        }
        migrator.registerMigration("v4-applied-batches") { db in
            try db.execute(sql: v4AppliedBatches)
        }
        migrator.registerMigration("v5-change-log") { db in
            try db.execute(sql: v5ChangeLog)
        }
        migrator.registerMigration("v6-key-stats-revision") { db in
            try db.execute(sql: v6KeyStatsRevision)
        }
        migrator.registerMigration("v7-jobs") { db in
            try db.execute(sql: v7Jobs)
        }
        migrator.registerMigration("v8-token-policies") { db in
            try db.execute(sql: v8TokenPolicies)
        }
        migrator.registerMigration("v9-health-replaced-at") { db in
            try db.execute(sql: v9HealthReplacedAt)
        }
        migrator.registerMigration("v10-request-log") { db in
            try db.execute(sql: v10RequestLog)
        }
        migrator.registerMigration("v11-providers") { db in
            try db.execute(sql: v11Providers)
        }
        migrator.registerMigration("v12-request-log-model-index") { db in
            try db.execute(sql: v12RequestLogModelIndex)
        }
        // Rebuilds a table: GRDB runs it with foreign keys off and checks them before it commits.
        migrator.registerMigration("v13-key-stats-without-rowid") { db in
            try db.execute(sql: v13KeyStatsWithoutRowid)
        }
        return migrator
    }

    private static let v1Initial = """
        CREATE TABLE keys (
            id TEXT PRIMARY KEY NOT NULL,
            provider TEXT NOT NULL,
            -- "enc:v1:…" when ENCRYPTION_KEY is set, the secret itself otherwise
            secret TEXT NOT NULL,
            -- HMAC (or plain SHA-256 without a cipher) of provider and secret; see the secret_hash_fingerprint setting
            secret_hash TEXT NOT NULL,
            username TEXT,
            created_at REAL NOT NULL,
            expires_at REAL,
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'cooling', 'disabled', 'invalid')),
            status_until REAL,
            status_reason TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            consecutive_rate_limits INTEGER NOT NULL DEFAULT 0,
            failure_disables INTEGER NOT NULL DEFAULT 0,
            -- JSON array of model names; empty means "not yet known"
            models TEXT NOT NULL DEFAULT '[]',
            category TEXT,
            UNIQUE (provider, secret_hash)
        );

        CREATE TABLE key_stats (
            key_id TEXT PRIMARY KEY NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
            requests INTEGER NOT NULL DEFAULT 0,
            successes INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            latency_ms_sum INTEGER NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            last_used REAL,
            last_success REAL,
            last_failure REAL
        );

        CREATE TABLE client_tokens (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL,
            provider TEXT,
            request_count INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE global_stats (
            provider TEXT PRIMARY KEY NOT NULL,
            requests INTEGER NOT NULL DEFAULT 0,
            successes INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE model_hours (
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            hour_start INTEGER NOT NULL,
            requests INTEGER NOT NULL DEFAULT 0,
            successes INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (provider, model, hour_start)
        ) WITHOUT ROWID;

        -- Loading and pruning select by time across all providers and models.
        CREATE INDEX model_hours_by_hour ON model_hours(hour_start);

        CREATE TABLE settings (
            name TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        """

    /// What the upstream last said about a key's account (label, credit limit, usage), as JSON; NULL when never
    /// asked. Models and category already have columns since v1.
    private static let v2KeyCredit = """
        ALTER TABLE keys ADD COLUMN credit TEXT;
        """

    /// Requests by how they ended (`RequestResult`): client errors, upstream failures and refusals (by reason)
    /// apart from each other. `failures` keeps meaning every request that did not succeed, so rows from before
    /// this migration keep their totals; their failures have no breakdown (the new columns start at 0) and are
    /// read as unclassified (`RequestTally.unclassifiedFailures`).
    private static let v3RequestResults = """
        ALTER TABLE global_stats ADD COLUMN client_errors INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE global_stats ADD COLUMN upstream_failures INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE refusal_stats (
            provider TEXT NOT NULL,
            -- RefusalReason raw value: auth, bad_request, limits, model_not_found, no_key, overloaded, ...
            reason TEXT NOT NULL,
            requests INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (provider, reason)
        ) WITHOUT ROWID;

        ALTER TABLE model_hours ADD COLUMN client_errors INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE model_hours ADD COLUMN upstream_failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE model_hours ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
        """

    /// Statistics are written as increments since v4; a batch id recorded here was added once already, so a
    /// flush retried after an unknown outcome is skipped. Ids older than a day are pruned by the writes.
    private static let v4AppliedBatches = """
        CREATE TABLE applied_batches (
            id TEXT PRIMARY KEY NOT NULL,
            applied_at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX applied_batches_by_time ON applied_batches(applied_at);
        """

    /// What a running server must pick up from another writer (a CLI command, another instance): each change
    /// is a row, its `rev` the store's revision (`ChangeKind` names the kinds). Rows older than a day are pruned
    /// at open.
    /// The change-log revision a key's statistics were last written under, so an instance reads back only the
    /// keys whose shared totals moved (`SQLiteStore.sharedTotals`).
    private static let v6KeyStatsRevision = """
        ALTER TABLE key_stats ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX key_stats_by_rev ON key_stats(rev);
        """

    private static let v5ChangeLog = """
        CREATE TABLE change_log (
            rev INTEGER PRIMARY KEY AUTOINCREMENT,
            origin TEXT NOT NULL,
            kind TEXT NOT NULL,
            item TEXT NOT NULL,
            at REAL NOT NULL
        );
        """

    /// Background jobs and the heartbeats of the instances running them (`SQLiteStore+Jobs`): a job is readable
    /// after a restart, and one left `running` by a stopped process is marked failed. Finished jobs older than a
    /// day are pruned.
    private static let v7Jobs = """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            instance TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
            total INTEGER NOT NULL DEFAULT 0,
            done INTEGER NOT NULL DEFAULT 0,
            valid INTEGER NOT NULL DEFAULT 0,
            invalid INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            finished_at REAL,
            elapsed REAL NOT NULL DEFAULT 0,
            error TEXT,
            -- the finished job's answer as the admin API shows it (JSON, keys masked)
            result TEXT
        ) WITHOUT ROWID;
        CREATE INDEX jobs_by_state ON jobs(state, instance);
        CREATE INDEX jobs_by_creation ON jobs(created_at);

        CREATE TABLE instance_heartbeats (
            instance TEXT PRIMARY KEY NOT NULL,
            -- host and port, when the instance has a stable one: a restarted instance recognises its old jobs
            name TEXT,
            beat_at REAL NOT NULL
        ) WITHOUT ROWID;
        """

    /// Client token policies (issue #15): the policy as JSON on the token (`TokenPolicy`, NULL = unlimited), the
    /// token's usage per UTC day (so quotas survive a restart; day, month and total are sums of these rows), and
    /// the budget leases instances take of a token's windows (used with PostgreSQL; kept here so both schemas
    /// match).
    private static let v8TokenPolicies = """
        ALTER TABLE client_tokens ADD COLUMN policy TEXT;

        CREATE TABLE token_usage (
            token_id TEXT NOT NULL REFERENCES client_tokens(id) ON DELETE CASCADE,
            day_start INTEGER NOT NULL,
            requests INTEGER NOT NULL DEFAULT 0,
            tokens INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (token_id, day_start)
        ) WITHOUT ROWID;

        CREATE TABLE token_budget_leases (
            token_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            window_start INTEGER NOT NULL,
            leased INTEGER NOT NULL DEFAULT 0,
            last_grant INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (token_id, kind, window_start)
        ) WITHOUT ROWID;
        """

    /// When a key's health was last replaced (an admin's change, a probe's lift): health an instance decided
    /// before it is stale and changes nothing (`KeyHealthRecord.decidedAt`). NULL: never replaced.
    private static let v9HealthReplacedAt = "ALTER TABLE keys ADD COLUMN health_replaced_at REAL;"

    /// One row per proxied request (`RequestLogColumns`); pruned by age (`REQUEST_LOG_DAYS`).
    private static let v10RequestLog = """
        CREATE TABLE request_log (
            id TEXT NOT NULL,
            -- microseconds since 1970 (a record's start round-trips exactly, cursors compare it)
            started_us INTEGER NOT NULL,
            token_id TEXT,
            token_name TEXT,
            provider TEXT NOT NULL,
            route TEXT NOT NULL,
            model TEXT,
            stream INTEGER NOT NULL,
            status INTEGER NOT NULL,
            seconds REAL NOT NULL,
            first_byte_seconds REAL,
            upstream_seconds REAL NOT NULL,
            -- JSON array of the attempts: key id, result, status, seconds, error
            attempts TEXT NOT NULL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cached INTEGER NOT NULL,
            error TEXT,
            -- the request body, only with LOG_BODIES=1
            body TEXT,
            -- every attempt's key id between bars, e.g. |k_1|k_2|
            key_ids TEXT NOT NULL,
            -- the last attempt's key: the one that answered
            answer_key_id TEXT,
            -- status >= 500 or an error of the gateway's own
            failed INTEGER NOT NULL
        );
        CREATE INDEX request_log_started_at ON request_log (started_us, id);
        CREATE INDEX request_log_token ON request_log (token_id, started_us);
        CREATE INDEX request_log_model ON request_log (model, started_us);
        """

    /// Providers as configuration (issue #17): a key's own base URL (a self-hosted server; NULL uses the
    /// provider's) and its placement, and the provider definitions the admin API stored. `secret_hash` is now over
    /// the provider and the key's identity (`KeyIdentity`), which for a key without a base URL is its secret: the
    /// hashes of existing rows stay valid, so nothing is rehashed.
    private static let v11Providers = """
        ALTER TABLE keys ADD COLUMN base_url TEXT;
        ALTER TABLE keys ADD COLUMN weight INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE keys ADD COLUMN tier INTEGER NOT NULL DEFAULT 1;

        CREATE TABLE providers (
            name TEXT PRIMARY KEY NOT NULL,
            -- the ProviderDefinition as JSON with sorted keys (snake_case field names, as in PROVIDERS_FILE)
            definition TEXT NOT NULL,
            -- the catalog lists stored providers in the order they were created
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        ) WITHOUT ROWID;
        """

    /// The request log's `model` index goes: it cost ~3,300 instructions of each record's insert (as much as the
    /// table's other indexes each), a tenth of what writing a record costs, at one record per proxied request. A
    /// `model` filter now reads `request_log_started_at` newest first until its page is full, which is quick for
    /// the handful of models a gateway serves; `token_id` keeps its index (tokens can be many, and rare).
    private static let v12RequestLogModelIndex = "DROP INDEX request_log_model;"

    /// Per-key counters are rewritten for nearly every key at each of their flushes with a large pool (the flush
    /// updates them in key order). Keyed by `key_id` itself, a row is one B-tree descent instead of two (the
    /// primary-key index, then the rowid table), and rows in key order sit on neighbouring pages: 80,000 updates of
    /// 100,000 rows went from 1.39 to 0.51 s of CPU (1.11 s sorted, with the rowid table).
    private static let v13KeyStatsWithoutRowid = """
        CREATE TABLE key_stats_by_key (
            key_id TEXT PRIMARY KEY NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
            requests INTEGER NOT NULL DEFAULT 0,
            successes INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            latency_ms_sum INTEGER NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            last_used REAL,
            last_success REAL,
            last_failure REAL,
            rev INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        INSERT INTO key_stats_by_key
            SELECT key_id, requests, successes, failures, latency_ms_sum, prompt_tokens, completion_tokens,
                   last_used, last_success, last_failure, rev
            FROM key_stats ORDER BY key_id;
        DROP TABLE key_stats;
        ALTER TABLE key_stats_by_key RENAME TO key_stats;
        CREATE INDEX key_stats_by_rev ON key_stats(rev);
        """
}
