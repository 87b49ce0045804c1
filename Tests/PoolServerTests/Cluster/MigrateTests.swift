import Foundation
import Logging
import PoolCore
import PoolStore
import Testing

/// `ollama-pool migrate` (the real binary) from an SQLite database, as `serve` leaves it, into PostgreSQL.
@Suite(
    "Moving a pool from SQLite to PostgreSQL",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the PostgreSQL migrate test is skipped (scripts/test starts a server)"))
struct MigrateTests {
    private static let created = Date(timeIntervalSince1970: 1_800_000_000.123)

    @Test("keys with health, statistics, models, base URLs and placements, tokens, providers, totals and the admin hash arrive; a second run is refused")
    func sqliteToPostgres() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("pool.sqlite").path
        let location = StoreLocation.sqlite(path: path)
        // As `serve` leaves it: secrets sealed with the generated key file.
        let passphrase = try #require(try EncryptionKeyFile.passphrase(for: location, logger: SharedDatabase.logger))
        let source = try SQLiteStore(
            path: path, cipher: SecretCipher(passphrase: passphrase), logger: SharedDatabase.logger)
        var keys = (0..<50).map {
            KeyRecord(
                provider: $0 % 2 == 0 ? .ollama : .openrouter, secret: "sk-migrated-\($0)", createdAt: Self.created)
        }
        keys[3].health = KeyHealth(condition: .invalid(reason: "upstream answered 401"), consecutiveFailures: 2)
        keys[4].models = ["qwen3:8b"]
        keys[5].placement = KeyPlacement(weight: 7, tier: 2)
        keys.append(
            KeyRecord(
                provider: ProviderID(rawValue: "local"), secret: "", createdAt: Self.created,
                baseURL: "http://127.0.0.1:11434", placement: KeyPlacement(weight: 3, tier: 1)))
        _ = try await source.insertKeys(keys)
        try await source.saveProvider(
            ProviderDefinition(
                name: ProviderID(rawValue: "local"), baseURL: "http://127.0.0.1:11434", dialects: [.openai, .ollama],
                aliases: ["gpt-4o-mini": "qwen3:8b"]))
        let token = ClientTokenRecord(
            id: "tok_moved", name: "moved", tokenHash: "hash-moved", prefix: "sk-move", createdAt: Self.created,
            expiresAt: nil, provider: .ollama, requestCount: 0)
        try await source.insertToken(token)
        try await source.write(
            StatsBatch(
                keyStats: [KeyStatsRecord(keyID: keys[0].id, requests: 9, successes: 8, failures: 1)],
                tokenRequestCounts: [TokenCount(tokenID: token.id, requestCount: 9)],
                globalStats: [GlobalStatsRecord(provider: .ollama, requests: 9, successes: 8, failures: 1)],
                modelHours: [
                    ModelHourRecord(
                        provider: .ollama, model: "m", hourStart: Int(Date().timeIntervalSince1970) / 3600 * 3600,
                        requests: 9, successes: 8, failures: 1)
                ]))
        try await source.setSetting("admin_token_sha256", value: "abc123")
        let expected = try await source.loadSnapshot()
        try await source.close()

        try await SharedDatabase.withPostgresURL { url in
            let key = "migrate-target-encryption-key-0123456789"
            let cli = CLITests()
            let database = URL(fileURLWithPath: path)
            let first = try cli.run(
                ["migrate", "--from", "sqlite:\(path)", "--to", url], database: database,
                environment: ["ENCRYPTION_KEY": key])
            #expect(first.status == 0, "\(first.errors)")
            #expect(first.output.contains("copied 51 keys, 1 tokens, 1 providers"))

            let target = try await PostgresStore(
                settings: try PostgresConnectionSettings(url: url), cipher: SecretCipher(passphrase: key),
                logger: SharedDatabase.logger)
            let copy = try await target.loadSnapshot()
            #expect(copy.keys == expected.keys)
            #expect(copy.keyStats == expected.keyStats)
            #expect(copy.tokens == expected.tokens)
            #expect(copy.providers == expected.providers)
            #expect(copy.providers.count == 1)
            #expect(copy.globalStats == expected.globalStats)
            #expect(copy.modelHours == expected.modelHours)
            #expect(try await target.setting("admin_token_sha256") == "abc123")
            try await target.close()

            let second = try cli.run(
                ["migrate", "--from", "sqlite:\(path)", "--to", url], database: database,
                environment: ["ENCRYPTION_KEY": key])
            #expect(second.status != 0)
            #expect(second.errors.contains("empty database"))
        }
    }
}
