import Foundation
import GRDB
import PoolCore
import PoolStore
import Testing

/// A database written by a version before requests were classified (schema v2) opens, keeps every total it had,
/// and counts on with the new columns.
@Suite("SQLite store: the v3 migration of the statistics")
struct StatsMigrationTests {
    /// The v1 and v2 schema as those versions shipped them, with their rows in `grdb_migrations`: a fixture that
    /// must not follow later schema changes.
    static let v2Schema = """
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        INSERT INTO grdb_migrations VALUES ('v1-initial'), ('v2-key-credit');
        CREATE TABLE keys (
            id TEXT PRIMARY KEY NOT NULL, provider TEXT NOT NULL, secret TEXT NOT NULL, secret_hash TEXT NOT NULL,
            username TEXT, created_at REAL NOT NULL, expires_at REAL,
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cooling', 'disabled', 'invalid')),
            status_until REAL, status_reason TEXT, consecutive_failures INTEGER NOT NULL DEFAULT 0,
            consecutive_rate_limits INTEGER NOT NULL DEFAULT 0, failure_disables INTEGER NOT NULL DEFAULT 0,
            models TEXT NOT NULL DEFAULT '[]', category TEXT, credit TEXT, UNIQUE (provider, secret_hash)
        );
        CREATE TABLE key_stats (
            key_id TEXT PRIMARY KEY NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
            requests INTEGER NOT NULL DEFAULT 0, successes INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0, latency_ms_sum INTEGER NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
            last_used REAL, last_success REAL, last_failure REAL
        );
        CREATE TABLE client_tokens (
            id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
            created_at REAL NOT NULL, expires_at REAL, provider TEXT, request_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE global_stats (
            provider TEXT PRIMARY KEY NOT NULL, requests INTEGER NOT NULL DEFAULT 0,
            successes INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE model_hours (
            provider TEXT NOT NULL, model TEXT NOT NULL, hour_start INTEGER NOT NULL,
            requests INTEGER NOT NULL DEFAULT 0, successes INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (provider, model, hour_start)
        ) WITHOUT ROWID;
        CREATE INDEX model_hours_by_hour ON model_hours(hour_start);
        CREATE TABLE settings (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
        """

    /// Writes a v2 database with traffic in it: 1,000 requests of which 160 failed, unclassified.
    static func writeV2Database(at path: String, hour: Int) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: v2Schema)
            try db.execute(
                sql: """
                    INSERT INTO global_stats VALUES ('ollama', 1000, 840, 160), ('openrouter', 7, 7, 0);
                    INSERT INTO model_hours VALUES ('ollama', 'llama3.2:1b', ?, 900, 800, 100),
                                                   ('ollama', 'unknown', ?, 100, 40, 60);
                    """, arguments: [hour, hour])
        }
        try queue.close()
    }

    @Test("an old database loads with its totals; its failures read as unclassified, not as upstream failures")
    func oldDatabaseKeepsItsTotals() async throws {
        try await withTemporaryDirectory { folder in
            let hour = SQLiteStoreStateTests.currentHour
            try Self.writeV2Database(at: databasePath(in: folder), hour: hour)
            let store = try openTestStore(in: folder)
            let snapshot = try await store.loadSnapshot()
            #expect(
                snapshot.globalStats == [
                    GlobalStatsRecord(provider: .ollama, requests: 1000, successes: 840, failures: 160),
                    GlobalStatsRecord(provider: .openrouter, requests: 7, successes: 7, failures: 0),
                ])
            let ollama = snapshot.globalStats[0]
            #expect(ollama.unclassifiedFailures == 160)
            #expect(ollama.successRateBasis == 1000)
            #expect(ollama.successRate == 0.84)
            #expect(
                snapshot.modelHours.sorted { $0.model < $1.model } == [
                    ModelHourRecord(
                        provider: .ollama, model: "llama3.2:1b", hourStart: hour, requests: 900, successes: 800,
                        failures: 100),
                    // Rows from before keep their model as written: "unknown" was what no model was recorded as.
                    ModelHourRecord(
                        provider: .ollama, model: "unknown", hourStart: hour, requests: 100, successes: 40,
                        failures: 60),
                ])
            try await store.close()
        }
    }

    @Test("after the migration the old totals are counted on, classified, and survive a restart")
    func countingOnAfterTheMigration() async throws {
        try await withTemporaryDirectory { folder in
            let hour = SQLiteStoreStateTests.currentHour
            try Self.writeV2Database(at: databasePath(in: folder), hour: hour)
            let store = try openTestStore(in: folder)
            let traffic = TrafficCounters(
                stored: try await store.loadSnapshot().globalStats,
                modelHours: try await store.loadSnapshot().modelHours)
            let now = Date(timeIntervalSince1970: TimeInterval(hour + 60))
            for _ in 0..<10 { traffic.record(provider: .ollama, model: "llama3.2:1b", result: .success, at: now) }
            traffic.record(provider: .ollama, model: nil, result: .clientError, at: now)
            traffic.record(provider: .ollama, model: "llama3.2:1b", result: .refused(.noKey), at: now)
            traffic.record(provider: .ollama, result: .refused(.auth))
            traffic.record(provider: .ollama, model: "llama3.2:1b", result: .upstreamFailure, at: now)
            // The flusher writes increments: what changed since the totals were loaded.
            let loaded = try await store.loadSnapshot()
            let changed = traffic.takeChanged(now: now)
            let totalDeltas = changed.totals.map { current in
                StatsDeltas.change(from: loaded.globalStats.first { $0.provider == current.provider }, to: current)
            }
            let hourDeltas = changed.modelHours.map { current in
                StatsDeltas.change(
                    from: loaded.modelHours.first { StatsDeltas.hourKey($0) == StatsDeltas.hourKey(current) },
                    to: current)
            }
            try await store.write(StatsBatch(globalStats: totalDeltas, modelHours: hourDeltas))
            try await store.close()

            let reopened = try openTestStore(in: folder)
            let snapshot = try await reopened.loadSnapshot()
            let ollama = try #require(snapshot.globalStats.first { $0.provider == .ollama })
            #expect(
                ollama
                    == GlobalStatsRecord(
                        provider: .ollama, requests: 1014, successes: 850, failures: 164, clientErrors: 1,
                        upstreamFailures: 1, refusals: [.noKey: 1, .auth: 1]))
            #expect(ollama.unclassifiedFailures == 160)
            let hours = snapshot.modelHours.sorted { $0.model < $1.model }
            #expect(hours.map(\.model) == [ModelHourRecord.noModel, "llama3.2:1b", "unknown"])
            #expect(hours[0].clientErrors == 1 && hours[0].requests == 1)
            #expect(hours[1].requests == 912 && hours[1].refused == 1 && hours[1].upstreamFailures == 1)
            #expect(hours[1].unclassifiedFailures == 100)
            try await reopened.close()
        }
    }

    @Test("a refusal reason this version does not know is skipped when loading, and its row is left alone")
    func unknownReasonIsSkipped() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            try await store.write(
                StatsBatch(globalStats: [
                    GlobalStatsRecord(provider: .ollama, requests: 2, failures: 2, refusals: [.limits: 2])
                ]))
            try await store.close()
            let queue = try DatabaseQueue(path: databasePath(in: folder))
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO refusal_stats VALUES ('ollama', 'from_the_future', 5)")
            }
            try queue.close()
            let reopened = try openTestStore(in: folder)
            #expect(try await reopened.loadSnapshot().globalStats.first?.refusals == [.limits: 2])
            try await reopened.close()
            let check = try DatabaseQueue(path: databasePath(in: folder))
            let kept = try await check.read { db in
                try Int.fetchOne(db, sql: "SELECT requests FROM refusal_stats WHERE reason = 'from_the_future'")
            }
            #expect(kept == 5)
            try check.close()
        }
    }
}
