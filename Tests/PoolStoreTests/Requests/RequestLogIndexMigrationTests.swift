import Foundation
import GRDB
import PoolCore
import PoolStore
import Testing

/// The request log's `model` index is dropped by a migration (SQLite `v12-request-log-model-index`, PostgreSQL
/// `v8-request-log-model-index`): a database that had it keeps its records, and a `model` filter pages newest
/// first through the time index instead.
@Suite("Stores: the request log's model index migration")
struct RequestLogIndexMigrationTests {
    static let records = (0..<30).map { index in
        RequestLogContractTests.record(
            "r\(index)", second: Double(index), model: index % 3 == 0 ? "rare" : "common", keys: ["k_\(index)"])
    }

    @Test("an SQLite database with the index loses it, keeps its records, and filters by model newest first")
    func sqlite() async throws {
        try await withTemporaryDirectory { folder in
            let path = databasePath(in: folder)
            let store = try openTestStore(in: folder)
            try await store.appendRequestLog(Self.records)
            try await store.close()
            // Back to the schema before the migration: the index as `v10-request-log` made it.
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(
                    sql: """
                        CREATE INDEX request_log_model ON request_log (model, started_us);
                        DELETE FROM grdb_migrations WHERE identifier = 'v12-request-log-model-index';
                        """)
            }
            try queue.close()

            let reopened = try openTestStore(in: folder)
            let expected = Self.records.filter { $0.model == "rare" }.reversed().map(\.id)
            let page = try await reopened.requestLog(RequestFilter(model: "rare"), limit: 4, before: nil)
            #expect(page.map(\.id) == Array(expected.prefix(4)))
            let all = try await reopened.requestLog(RequestFilter(), limit: 100, before: nil)
            #expect(all == Self.records.reversed())
            try await reopened.close()

            let check = try DatabaseQueue(path: path)
            let (indexes, plan) = try await check.read { db in
                let indexes = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'request_log'")
                let plan = try Row.fetchAll(
                    db,
                    sql: """
                        EXPLAIN QUERY PLAN SELECT id FROM request_log WHERE model = 'rare'
                        ORDER BY started_us DESC, id DESC LIMIT 4
                        """
                ).map { $0["detail"] as String? ?? "" }.joined(separator: " ")
                return (indexes, plan)
            }
            try check.close()
            #expect(Set(indexes) == ["request_log_started_at", "request_log_token"])
            // Walks the time index (no sort of the whole table) and stops at the page's end.
            #expect(plan.contains("request_log_started_at") && !plan.contains("TEMP B-TREE"), "\(plan)")
        }
    }

    @Test(
        "a PostgreSQL database with the index loses it and keeps its records",
        .enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.skipNote))
    func postgres() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let cipher = PostgresTestServer.cipher
            let store = try await PostgresStore(settings: settings, cipher: cipher, logger: testLogger)
            try await store.appendRequestLog(Self.records)
            try await store.close()
            for statement in [
                "CREATE INDEX request_log_model ON request_log (model, started_us)",
                "DELETE FROM schema_migrations WHERE name = 'v8-request-log-model-index'",
            ] {
                try await PostgresTestServer.admin(settings, statement)
            }

            let reopened = try await PostgresStore(settings: settings, cipher: cipher, logger: testLogger)
            let expected = Self.records.filter { $0.model == "rare" }.reversed().map(\.id)
            let page = try await reopened.requestLog(RequestFilter(model: "rare"), limit: 4, before: nil)
            #expect(page.map(\.id) == Array(expected.prefix(4)))
            #expect(try await reopened.requestLog(RequestFilter(), limit: 100, before: nil) == Self.records.reversed())
            try await reopened.close()
            let indexes = try await PostgresTestServer.rows(
                settings, "SELECT indexname FROM pg_indexes WHERE tablename = 'request_log' ORDER BY indexname")
            #expect(indexes.map { $0.first ?? nil } == ["request_log_started_at", "request_log_token"])
        }
    }
}
