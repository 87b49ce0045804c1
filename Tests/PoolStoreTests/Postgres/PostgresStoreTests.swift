import Foundation
import PoolCore
import PoolStore
import Testing

/// What only the PostgreSQL store does: migrations under a lock, secrets sealed with `ENCRYPTION_KEY`, large
/// imports in a few statements. The shared contract runs in `StoreContractTests`.
@Suite("PostgreSQL store", .enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.skipNote))
struct PostgresStoreTests {
    private func open(
        _ settings: PostgresConnectionSettings, cipher: SecretCipher = PostgresTestServer.cipher
    )
        async throws -> PostgresStore
    {
        try await PostgresStore(settings: settings, cipher: cipher, logger: testLogger)
    }

    @Test("instances opening a new database together migrate it once")
    func concurrentMigration() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<3 { group.addTask { try await self.open(settings) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let migrations = try await PostgresTestServer.rows(
                settings, "SELECT name FROM schema_migrations ORDER BY name")
            #expect(
                migrations == [
                    ["v1-initial"], ["v2-key-stats-revision"], ["v3-jobs"], ["v4-token-policies"],
                    ["v5-health-replaced-at"], ["v6-request-log"], ["v7-providers"], ["v8-request-log-model-index"],
                ])
            _ = try await stores[0].insertKeys([makeKey("sk-shared")])
            #expect(try await stores[2].loadSnapshot().keys.map(\.secret) == ["sk-shared"])
            for store in stores { try await store.close() }
        }
    }

    @Test("secrets are sealed at rest; a wrong ENCRYPTION_KEY is refused at open")
    func sealedAtRest() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let store = try await open(settings)
            _ = try await store.insertKeys([makeKey("sk-very-secret-value")])
            try await store.close()
            let stored = try await PostgresTestServer.rows(settings, "SELECT secret, secret_hash FROM keys")
            let secret = try #require(stored.first?[0])
            #expect(secret.hasPrefix(SecretCipher.sealedPrefix))
            #expect(!secret.contains("sk-very-secret-value"))
            #expect(stored.first?[1] != SecretCipher.plainSecretHash(provider: .ollama, secret: "sk-very-secret-value"))

            await #expect(throws: (any Error).self) {
                _ = try await self.open(
                    settings, cipher: SecretCipher(passphrase: "another-passphrase-0123456789abcdef"))
            }
        }
    }

    @Test("plain secrets written by another tool are sealed at the next open")
    func plainRowsAreSealed() async throws {
        try await PostgresTestServer.withDatabase { settings in
            try await open(settings).close()
            try await PostgresTestServer.admin(
                settings,
                """
                INSERT INTO keys (id, provider, secret, secret_hash, created_at)
                VALUES ('k_plain', 'ollama', 'sk-plain-row', 'x', 1800000000)
                """)
            let store = try await open(settings)
            #expect(try await store.loadSnapshot().keys.map(\.secret) == ["sk-plain-row"])
            // The hash was recomputed too, so the same secret is recognised as a duplicate.
            #expect(try await store.insertKeys([makeKey("sk-plain-row")]).isEmpty)
            try await store.close()
            let stored = try await PostgresTestServer.rows(settings, "SELECT secret FROM keys")
            #expect(stored.first?[0]?.hasPrefix(SecretCipher.sealedPrefix) == true)
        }
    }

    @Test("rotating moves every secret to the new key: it opens them, the old key no longer does")
    func rotation() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let store = try await open(settings)
            let keys = (0..<1_500).map { makeKey("sk-rotated-\($0)") }
            _ = try await store.insertKeys(keys)
            let next = SecretCipher(passphrase: "next-passphrase-0123456789abcdef0123")
            #expect(try await store.rotateSecrets(to: next) == keys.count)
            try await store.close()

            await #expect(throws: (any Error).self) { _ = try await self.open(settings) }
            let reopened = try await open(settings, cipher: next)
            #expect(try await reopened.loadSnapshot().keys.map(\.secret) == keys.map(\.secret))
            #expect(try await reopened.insertKeys([makeKey("sk-rotated-7")]).isEmpty)
            try await reopened.close()
        }
    }

    @Test("100,000 keys insert in one call and load back in order")
    func largeImport() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let store = try await open(settings)
            let keys = (0..<100_000).map { makeKey("sk-bulk-\($0)") }
            let started = ContinuousClock.now
            let inserted = try await store.insertKeys(keys)
            let took = ContinuousClock.now - started
            #expect(inserted.count == keys.count)
            print("PostgresStore: inserted \(keys.count) keys in \(took)")
            let loaded = try await store.loadSnapshot().keys
            #expect(loaded.count == keys.count)
            #expect(loaded.first?.id == keys.first?.id && loaded.last?.id == keys.last?.id)
            try await store.close()
        }
    }

    @Test("another store's committed change wakes the LISTEN stream")
    func listenWakesUp() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let reader = try await open(settings)
            let writer = try await open(settings)
            let signals = try #require(reader.changeSignals())
            let woke = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    var wakeups = signals.makeAsyncIterator()
                    // The first wake-up says the LISTEN connection is up (and asks for a catch-up).
                    guard await wakeups.next() != nil, reader.listenConnectionUp == true else { return false }
                    guard (try? await writer.insertToken(SQLiteStoreStateTests.token())) != nil else { return false }
                    return await wakeups.next() != nil
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(30))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(woke)
            try await reader.close()
            try await writer.close()
        }
    }

    @Test("a server that cannot be reached fails the open with a message that hides the password")
    func unreachable() async throws {
        let settings = try PostgresConnectionSettings(url: "postgres://pool:hunter2@127.0.0.1:1/pool?sslmode=disable")
        do {
            _ = try await PostgresStore(
                settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger, connectTimeout: .seconds(2))
            Issue.record("opening an unreachable server should fail")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("postgres://pool@127.0.0.1:1/pool"))
            #expect(!message.contains("hunter2"))
        }
    }

    @Test("a writer keeps only its latest statistics stamp in the change log; another writer's stays")
    func latestStatsStampOnly() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let a = try await open(settings)
            let b = try await open(settings)
            let key = makeKey("sk-stamp-0001")
            _ = try await a.insertKeys([key])
            let start = try await a.revision()
            try await b.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: key.id, requests: 1)]))
            for _ in 0..<5 { try await a.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: key.id, requests: 1)])) }
            let stamps = try await PostgresTestServer.rows(
                settings, "SELECT count(*)::text FROM change_log WHERE kind = 'stats'")
            #expect(stamps == [["2"]])
            // B's stamp, older than A's latest, still tells A that someone else wrote after `start`.
            let read = try await a.sharedTotals(keysChangedAfter: start, hoursSince: 0)
            #expect(read.keyStats.first?.requests == 6)
            try await a.close()
            try await b.close()
        }
    }
}
