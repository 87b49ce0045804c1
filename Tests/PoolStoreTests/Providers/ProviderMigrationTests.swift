import Foundation
import GRDB
import PoolCore
import PoolStore
import Testing

/// Databases written before keys had base URLs (SQLite before `v11-providers`, PostgreSQL before
/// `v7-providers`) keep their keys and their duplicate detection; secrets rewritten later (a new
/// `ENCRYPTION_KEY`, a rotation) keep keys with base URLs apart.
@Suite("Stores: the providers migration and identity hashes")
struct ProviderMigrationTests {
    /// Takes a current SQLite database back to the schema before `v11-providers`, and adds a key as that
    /// version wrote it: no base URL, weight or tier columns, the hash over provider and secret.
    static func downgradeSQLite(at path: String, oldKeyID: String, oldSecret: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: """
                    DROP TABLE providers;
                    ALTER TABLE keys DROP COLUMN base_url;
                    ALTER TABLE keys DROP COLUMN weight;
                    ALTER TABLE keys DROP COLUMN tier;
                    DELETE FROM grdb_migrations WHERE identifier = 'v11-providers';
                    """)
            try db.execute(
                sql: """
                    INSERT INTO keys (id, provider, secret, secret_hash, created_at, models)
                    VALUES (?, 'ollama', ?, ?, 1800000000, '["llama3.2:1b"]')
                    """,
                arguments: [oldKeyID, oldSecret, SecretCipher.plainSecretHash(provider: .ollama, secret: oldSecret)])
        }
        try queue.close()
    }

    @Test("an SQLite database from before base URLs keeps its keys and recognises their secrets")
    func oldSQLiteDatabase() async throws {
        try await withTemporaryDirectory { folder in
            let path = databasePath(in: folder)
            try await openTestStore(in: folder).close()
            try Self.downgradeSQLite(at: path, oldKeyID: "k_old", oldSecret: "sk-old-secret")

            let store = try openTestStore(in: folder)
            let loaded = try #require(try await store.loadSnapshot().keys.first)
            #expect(loaded.id == "k_old" && loaded.secret == "sk-old-secret" && loaded.models == ["llama3.2:1b"])
            #expect(loaded.baseURL == nil)
            #expect(loaded.placement == KeyPlacement(weight: 1, tier: 1))
            #expect(try await store.insertKeys([makeKey("sk-old-secret")]).isEmpty)
            let atServer = ProviderFixtures.endpointKey(
                "sk-old-secret", baseURL: "http://gpu1:11434", provider: .ollama)
            #expect(try await store.insertKeys([atServer]) == [atServer.id])
            try await store.saveProvider(ProviderFixtures.plainDefinition("local"))
            try await store.close()

            let reopened = try openTestStore(in: folder)
            let snapshot = try await reopened.loadSnapshot()
            #expect(snapshot.keys.map(\.id) == ["k_old", atServer.id])
            #expect(snapshot.providers.map(\.name.rawValue) == ["local"])
            try await reopened.close()
        }
    }

    @Test(
        "a PostgreSQL database from before base URLs keeps its keys and recognises their secrets",
        .enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.skipNote))
    func oldPostgresDatabase() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let cipher = PostgresTestServer.cipher
            try await PostgresStore(settings: settings, cipher: cipher, logger: testLogger).close()
            let sealed = try cipher.seal("sk-old-secret")
            // The previous version's hash: over provider and secret.
            let hash = cipher.secretHash(provider: .ollama, secret: "sk-old-secret")
            for statement in [
                "DROP TABLE providers",
                "ALTER TABLE keys DROP COLUMN base_url, DROP COLUMN weight, DROP COLUMN tier",
                "DELETE FROM schema_migrations WHERE name = 'v7-providers'",
                """
                INSERT INTO keys (id, provider, secret, secret_hash, created_at)
                VALUES ('k_old', 'ollama', '\(sealed)', '\(hash)', 1800000000)
                """,
            ] {
                try await PostgresTestServer.admin(settings, statement)
            }

            let store = try await PostgresStore(settings: settings, cipher: cipher, logger: testLogger)
            let loaded = try #require(try await store.loadSnapshot().keys.first)
            #expect(loaded.id == "k_old" && loaded.secret == "sk-old-secret")
            #expect(loaded.baseURL == nil && loaded.placement == KeyPlacement())
            #expect(try await store.insertKeys([makeKey("sk-old-secret")]).isEmpty)
            let atServer = ProviderFixtures.endpointKey(
                "sk-old-secret", baseURL: "http://gpu1:11434", provider: .ollama)
            #expect(try await store.insertKeys([atServer]) == [atServer.id])
            try await store.saveProvider(ProviderFixtures.plainDefinition("local"))
            #expect(try await store.loadSnapshot().providers.map(\.name.rawValue) == ["local"])
            try await store.close()
        }
    }

    @Test("a weight or tier edited by hand out of range loads held to the range the pool accepts")
    func outOfRangePlacementIsHeld() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let keys = [makeKey("sk-low"), makeKey("sk-high")]
            _ = try await store.insertKeys(keys)
            try await store.close()
            let queue = try DatabaseQueue(path: databasePath(in: folder))
            try await queue.write { db in
                try db.execute(sql: "UPDATE keys SET weight = 0, tier = -3 WHERE id = ?", arguments: [keys[0].id])
                try db.execute(sql: "UPDATE keys SET weight = 1000, tier = 12 WHERE id = ?", arguments: [keys[1].id])
            }
            try queue.close()
            let reopened = try openTestStore(in: folder)
            let placements = try await reopened.loadSnapshot().keys.map(\.placement)
            #expect(
                placements == [
                    KeyPlacement(weight: KeyPlacement.weights.lowerBound, tier: KeyPlacement.tiers.lowerBound),
                    KeyPlacement(weight: KeyPlacement.weights.upperBound, tier: KeyPlacement.tiers.upperBound),
                ])
            try await reopened.close()
        }
    }

    /// Keys whose identities differ only by base URL, and a keyless endpoint.
    static func endpointKeys() -> [KeyRecord] {
        [
            ProviderFixtures.endpointKey("sk-same", baseURL: "http://gpu1:11434"),
            ProviderFixtures.endpointKey("sk-same", baseURL: "http://gpu2:11434"),
            ProviderFixtures.endpointKey("sk-same", baseURL: nil),
            ProviderFixtures.endpointKey("", baseURL: "http://gpu3:11434"),
        ]
    }

    /// Copies of `endpointKeys()` under new ids (the store should skip them all), and one new server.
    static func repeatsAndOneNew() -> (repeats: [KeyRecord], new: KeyRecord) {
        let repeats = endpointKeys().map { key in
            var copy = key
            copy.id = KeyRecord.newID()
            return copy
        }
        return (repeats, ProviderFixtures.endpointKey("sk-same", baseURL: "http://gpu4:11434"))
    }

    @Test("SQLite: rotating and newly sealing secrets hash by identity; keys at two servers stay two keys")
    func sqliteRewritesHashByIdentity() async throws {
        try await withTemporaryDirectory { folder in
            let keys = Self.endpointKeys()
            let plain = try openTestStore(in: folder)
            #expect(try await plain.insertKeys(keys).count == keys.count)
            try await plain.close()

            // A cipher where there was none: secrets are sealed and every hash recomputed at open.
            let first = SecretCipher(passphrase: "first-passphrase")
            let sealed = try openTestStore(in: folder, cipher: first)
            var (repeats, new) = Self.repeatsAndOneNew()
            #expect(try await sealed.insertKeys(repeats).isEmpty)
            #expect(try await sealed.insertKeys([new]) == [new.id])

            let next = SecretCipher(passphrase: "next-passphrase")
            #expect(try await sealed.rotateSecrets(to: next) == keys.count + 1)
            try await sealed.close()

            let rotated = try openTestStore(in: folder, cipher: next)
            #expect(try await rotated.loadSnapshot().keys == keys + [new])
            (repeats, new) = Self.repeatsAndOneNew()
            #expect(try await rotated.insertKeys(repeats).isEmpty)
            #expect(try await rotated.insertKeys([new]).isEmpty)  // gpu4 was stored before the rotation
            try await rotated.close()

            let hashes = try DatabaseQueue(path: databasePath(in: folder))
            let stored = try await hashes.read { db in
                try String.fetchAll(db, sql: "SELECT secret_hash FROM keys ORDER BY rowid")
            }
            try hashes.close()
            let expected = (keys + [new]).map {
                next.keyHash(provider: $0.provider, baseURL: $0.baseURL, secret: $0.secret)
            }
            #expect(stored == expected)
            #expect(Set(stored).count == stored.count)
        }
    }

    @Test(
        "PostgreSQL: rotating secrets hashes by identity; keys at two servers stay two keys",
        .enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.skipNote))
    func postgresRotationHashesByIdentity() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let keys = Self.endpointKeys()
            let store = try await PostgresStore(
                settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
            #expect(try await store.insertKeys(keys).count == keys.count)
            let next = SecretCipher(passphrase: "next-passphrase-0123456789abcdef0123")
            #expect(try await store.rotateSecrets(to: next) == keys.count)
            try await store.close()

            let rotated = try await PostgresStore(settings: settings, cipher: next, logger: testLogger)
            #expect(try await rotated.loadSnapshot().keys == keys)
            let (repeats, new) = Self.repeatsAndOneNew()
            #expect(try await rotated.insertKeys(repeats).isEmpty)
            #expect(try await rotated.insertKeys([new]) == [new.id])
            try await rotated.close()
            let stored = try await PostgresTestServer.rows(settings, "SELECT secret_hash FROM keys ORDER BY seq")
            let expected = (keys + [new]).map {
                next.keyHash(provider: $0.provider, baseURL: $0.baseURL, secret: $0.secret)
            }
            #expect(stored.map { $0[0] } == expected)
        }
    }

    @Test("a stored definition that no longer decodes is skipped at load and in the feed; the others load")
    func undecodableDefinitionSQLite() async throws {
        try await withTemporaryDirectory { folder in
            let a = try openTestStore(in: folder)
            let b = try openTestStore(in: folder)
            let good = ProviderFixtures.plainDefinition("good")
            try await a.saveProvider(good)
            try await a.saveProvider(ProviderFixtures.plainDefinition("broken"))
            let start = try await b.revision()
            try await a.saveProvider(ProviderFixtures.plainDefinition("broken"))
            let queue = try DatabaseQueue(path: databasePath(in: folder))
            try await queue.write { db in
                try db.execute(
                    sql: """
                        UPDATE providers SET definition = '{"name":"broken","base_url":"x","probe":{"kind":"psychic"}}'
                        WHERE name = 'broken'
                        """)
            }
            try queue.close()
            #expect(try await b.loadSnapshot().providers == [good])
            let changes = try await b.changes(after: start)
            #expect(changes.providers.isEmpty && changes.removedProviders.isEmpty)
            try await a.close()
            try await b.close()
        }
    }

    @Test(
        "PostgreSQL: a stored definition that no longer decodes is skipped at load; the others load",
        .enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.skipNote))
    func undecodableDefinitionPostgres() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let store = try await PostgresStore(
                settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
            let good = ProviderFixtures.plainDefinition("good")
            try await store.saveProvider(ProviderFixtures.plainDefinition("broken"))
            try await store.saveProvider(good)
            try await PostgresTestServer.admin(
                settings, "UPDATE providers SET definition = 'not json' WHERE name = 'broken'")
            #expect(try await store.loadSnapshot().providers == [good])
            try await store.close()
        }
    }
}
