import Foundation
import Logging
import PoolStore
import PostgresNIO
import Testing

/// A database several gateway instances share in a test: one SQLite file opened by each, or a fresh PostgreSQL
/// database on the server `scripts/test` starts (`POOL_TEST_POSTGRES_URL`; skipped without it).
enum SharedDatabase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let postgresURL: String? = ProcessInfo.processInfo.environment["POOL_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// The kinds this run can check (PostgreSQL only when the test command started a server).
    static var tested: [SharedDatabase] { postgresURL == nil ? [.sqlite] : allCases }

    static let cipher = SecretCipher(passphrase: "cluster-tests-passphrase-0123456789abcdef")
    static let logger = Logger(label: "cluster-tests")

    /// Runs `body` with a function that opens one more store (one more instance's) on a fresh shared database.
    func with(_ body: (@Sendable () async throws -> any PoolStore) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("cluster-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("pool.sqlite").path
            try await body { try SQLiteStore(path: path, cipher: Self.cipher, logger: Self.logger) }
        case .postgres:
            guard let url = Self.postgresURL else { throw StoreError("POOL_TEST_POSTGRES_URL is not set") }
            let maintenance = try PostgresConnectionSettings(url: url)
            let name = "cluster_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try await Self.run(maintenance, "CREATE DATABASE \(name)")
            var settings = maintenance
            settings.database = name
            let shared = settings
            do {
                try await body { try await PostgresStore(settings: shared, cipher: Self.cipher, logger: Self.logger) }
            } catch {
                try? await Self.run(maintenance, "DROP DATABASE \(name) WITH (FORCE)")
                throw error
            }
            try await Self.run(maintenance, "DROP DATABASE \(name) WITH (FORCE)")
        }
    }

    /// Runs `body` with the URL of a fresh PostgreSQL database (dropped afterwards), for gateway processes.
    static func withPostgresURL(_ body: (String) async throws -> Void) async throws {
        guard let url = postgresURL else { throw StoreError("POOL_TEST_POSTGRES_URL is not set") }
        let maintenance = try PostgresConnectionSettings(url: url)
        let name = "cluster_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await run(maintenance, "CREATE DATABASE \(name)")
        let shared =
            "postgres://\(maintenance.username)@\(maintenance.host):\(maintenance.port)/\(name)?sslmode=disable"
        do {
            try await body(shared)
        } catch {
            try? await run(maintenance, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
        try await run(maintenance, "DROP DATABASE \(name) WITH (FORCE)")
    }

    private static func run(_ settings: PostgresConnectionSettings, _ sql: String) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: settings.host, port: settings.port, username: settings.username, password: nil,
                database: settings.database, tls: .disable),
            id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
