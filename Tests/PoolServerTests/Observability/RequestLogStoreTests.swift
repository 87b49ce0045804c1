import Foundation
import Logging
import PoolCore
import PoolStore
import PostgresNIO
import Testing

@testable import PoolServer

/// The request log against a real PostgreSQL store: a write that fails is retried and loses nothing (queries
/// answer from memory meanwhile), and one instance's requests are listed by another.
@Suite(
    "Request log on PostgreSQL: failed writes, other instances",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the PostgreSQL request log tests are skipped (scripts/test starts a server)"
    ))
struct RequestLogStoreTests {
    static let logger = Logger(label: "request-log-tests")

    func record(_ id: String, second: Double) -> RequestRecord {
        RequestRecord(
            id: id, startedAt: Date(timeIntervalSince1970: 1_765_000_000 + second), tokenID: "t_1", tokenName: "n",
            provider: .ollama, route: "/v1/chat/completions", model: "m", status: 200, seconds: 0.1,
            attempts: [RequestRecord.Attempt(keyID: "k_1", result: .success, status: 200, seconds: 0.1)])
    }

    func open(_ url: String) async throws -> PostgresStore {
        try await PostgresStore(
            settings: try PostgresConnectionSettings(url: url), cipher: SharedDatabase.cipher, logger: Self.logger)
    }

    /// Runs `sql` on the database at `url`.
    func execute(_ url: String, _ sql: String) async throws {
        let settings = try PostgresConnectionSettings(url: url)
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: settings.host, port: settings.port, username: settings.username, password: nil,
                database: settings.database, tls: .disable),
            id: 3, logger: Self.logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    @Test("a write the store refuses is retried next time; meanwhile queries answer from memory")
    func failedWriteIsRetried() async throws {
        try await SharedDatabase.withPostgresURL { url in
            let store = try await open(url)
            let log = RequestLog(
                settings: RequestLogSettings(), store: store, clock: ManualClock(Date()), logger: Self.logger)
            log.requestFinished(record("a", second: 0))
            log.requestFinished(record("b", second: 1))
            try await execute(url, "ALTER TABLE request_log RENAME TO request_log_away")
            #expect(await log.flush() == 0)
            #expect(log.pendingCount == 2)
            // The store cannot answer: the ring does.
            #expect(await log.page(RequestListQuery()).records.map(\.id) == ["b", "a"])
            try await execute(url, "ALTER TABLE request_log_away RENAME TO request_log")
            log.requestFinished(record("c", second: 2))
            #expect(await log.flush() == 3)
            #expect(log.pendingCount == 0)
            let stored = try await store.requestLog(RequestFilter(), limit: 10, before: nil)
            #expect(stored.map(\.id) == ["c", "b", "a"])
            try await store.close()
        }
    }

    @Test("records one instance wrote are listed and summed by another")
    func otherInstances() async throws {
        try await SharedDatabase.withPostgresURL { url in
            let first = try await open(url)
            let second = try await open(url)
            let clock = ManualClock(Date(timeIntervalSince1970: 1_765_000_000 + 3600))
            let logA = RequestLog(settings: RequestLogSettings(), store: first, clock: clock, logger: Self.logger)
            let logB = RequestLog(settings: RequestLogSettings(), store: second, clock: clock, logger: Self.logger)
            logA.requestFinished(record("from-a", second: 0))
            logB.requestFinished(record("from-b", second: 1))
            #expect(await logA.flush() == 1)
            // B lists A's written record and its own unwritten one.
            #expect(await logB.page(RequestListQuery()).records.map(\.id) == ["from-b", "from-a"])
            let usage = try UsageQuery.parse([:], now: clock.now)
            #expect(await logB.usage(usage).map(\.requests) == [2])
            try await first.close()
            try await second.close()
        }
    }
}
