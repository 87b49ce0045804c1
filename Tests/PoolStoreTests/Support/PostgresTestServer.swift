import Foundation
import Logging
import PoolStore
import PostgresNIO
import Testing

/// The PostgreSQL server `scripts/test` starts for the tests, named by `POOL_TEST_POSTGRES_URL` (a maintenance
/// database such as `postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable`). Unset when `swift test` runs
/// alone: the PostgreSQL cases are then skipped with `skipNote`, and `scripts/test` refuses to run without it.
enum PostgresTestServer {
    static let url: String? = ProcessInfo.processInfo.environment["POOL_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    static var isAvailable: Bool { url != nil }

    static let skipNote: Comment =
        "POOL_TEST_POSTGRES_URL is not set: the PostgreSQL store is not tested (scripts/test starts a server)"

    /// The key the PostgreSQL tests seal secrets with.
    static let cipher = SecretCipher(passphrase: "postgres-tests-passphrase-0123456789abcdef")

    /// Runs `body` with the settings of a fresh, empty database of its own, dropped afterwards, so tests run in
    /// parallel without sharing rows.
    static func withDatabase<T>(_ body: (PostgresConnectionSettings) async throws -> T) async throws -> T {
        guard let url else { throw StoreError("POOL_TEST_POSTGRES_URL is not set") }
        let maintenance = try PostgresConnectionSettings(url: url)
        let name = "pooltest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await admin(maintenance, "CREATE DATABASE \(name)")
        var settings = maintenance
        settings.database = name
        do {
            let result = try await body(settings)
            try await admin(maintenance, "DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            try? await admin(maintenance, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one statement on a short-lived connection of its own (CREATE DATABASE cannot run in a transaction).
    static func admin(_ settings: PostgresConnectionSettings, _ sql: String) async throws {
        _ = try await rows(settings, sql)
    }

    /// The rows of one query as text, for tests that look at what is stored.
    static func rows(_ settings: PostgresConnectionSettings, _ sql: String) async throws -> [[String?]] {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: settings.host, port: settings.port, username: settings.username,
                password: nil,  // the test cluster trusts loopback connections
                database: settings.database, tls: .disable),
            id: 1, logger: testLogger)
        do {
            var result: [[String?]] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: testLogger) {
                result.append(try row.map { try $0.decode(String?.self) })
            }
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
