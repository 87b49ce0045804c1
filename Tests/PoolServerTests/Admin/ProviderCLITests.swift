import Foundation
import Logging
import PoolCore
import PoolStore
import Testing

/// `ollama-pool providers …` and the keys commands' `--base-url`, `--weight`, `--tier` and `set-placement`
/// (issue #17), run as the real binary on a real SQLite file.
@Suite("Command line: providers and key placement")
struct ProviderCLITests {
    let cli = CLITests()

    /// A fresh database file in a folder of its own, removed after `body`.
    func withDatabase(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-cli17-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder.appendingPathComponent("pool.sqlite"))
    }

    /// The stored providers and keys, read back through the store itself.
    func snapshot(_ database: URL) async throws -> StoreSnapshot {
        // The first start wrote the database's encryption key beside it (`EncryptionKeyFile`).
        let passphrase = try EncryptionKeyFile.passphrase(
            for: .sqlite(path: database.path), logger: .init(label: "cli-check"))
        let store = try SQLiteStore(
            path: database.path, cipher: passphrase.map { SecretCipher(passphrase: $0) },
            logger: .init(label: "cli-check"))
        let snapshot = try await store.loadSnapshot()
        try await store.close()
        return snapshot
    }

    @Test("providers add, list and remove work on the database; header values are never printed")
    func providers() async throws {
        try withDatabase { database in
            let added = try cli.run(
                [
                    "providers", "add", "deepseek", "--base-url", "https://api.deepseek.example/", "--probe", "chat",
                    "--probe-model", "deepseek-chat", "--header", "X-Org: org-cli-secret-0123456789", "--alias",
                    "gpt-4o-mini=deepseek-chat",
                ], database: database)
            #expect(added.status == 0, "\(added.errors)")
            #expect(added.output.contains("added deepseek"))

            let listed = try cli.run(["providers", "list"], database: database)
            #expect(listed.status == 0, "\(listed.errors)")
            let lines = listed.output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
            #expect(lines.first?.first == "NAME")
            #expect(lines.dropFirst().map { $0.first } == ["ollama", "openrouter", "deepseek"])
            let deepseek = try #require(lines.last)
            #expect(deepseek[1] == "store")
            #expect(deepseek[3] == "https://api.deepseek.example")
            #expect(!listed.output.contains("org-cli-secret-0123456789"))

            let twice = try cli.run(
                ["providers", "add", "deepseek", "--base-url", "https://x.example"], database: database)
            #expect(twice.status != 0)
            #expect(twice.errors.contains("already exists"))
            let invalid = try cli.run(
                ["providers", "add", "admin", "--base-url", "https://x.example"], database: database)
            #expect(invalid.status != 0)
            #expect(invalid.errors.contains("admin"))
            let badHeader = try cli.run(
                [
                    "providers", "add", "x", "--base-url", "https://x.example", "--header",
                    "Authorization: Bearer sk-hidden-zzzz",
                ],
                database: database)
            #expect(badHeader.status != 0)
            #expect(!badHeader.errors.contains("sk-hidden-zzzz"))

            let key = try cli.run(
                ["keys", "add", "sk-deepseek-cli-aaaaaaaaaaaa", "--provider", "deepseek"], database: database)
            #expect(key.status == 0, "\(key.errors)")
            let refused = try cli.run(["providers", "remove", "deepseek"], database: database)
            #expect(refused.status != 0)
            #expect(refused.errors.contains("--delete-keys"))
            let builtIn = try cli.run(["providers", "remove", "ollama"], database: database)
            #expect(builtIn.status != 0)
            let removed = try cli.run(["providers", "remove", "deepseek", "--delete-keys"], database: database)
            #expect(removed.status == 0, "\(removed.errors)")
            #expect(removed.output.contains("1 key"))
        }
        try withDatabase { database in
            let json = database.deletingLastPathComponent().appendingPathComponent("groq.json")
            try #"{"name": "groq", "base_url": "https://api.groq.example/openai", "dialects": ["openai"]}"#
                .write(to: json, atomically: true, encoding: .utf8)
            let added = try cli.run(["providers", "add", "--json", json.path], database: database)
            #expect(added.status == 0, "\(added.errors)")
        }
    }

    @Test("a provider added by the command line is stored, and keys take --base-url, --weight and --tier")
    func keysWithPlacement() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-cli17-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("pool.sqlite")

        let provider = try cli.run(
            [
                "providers", "add", "local", "--base-url", "http://127.0.0.1:11434", "--dialect", "openai", "--dialect",
                "ollama",
            ],
            database: database)
        #expect(provider.status == 0, "\(provider.errors)")
        let keyless = try cli.run(
            [
                "keys", "add", "--provider", "local", "--base-url", "http://127.0.0.1:11435", "--weight", "3", "--tier",
                "2",
            ],
            database: database)
        #expect(keyless.status == 0, "\(keyless.errors)")
        let id = keyless.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("k_"))

        let file = folder.appendingPathComponent("servers.txt")
        try "http://127.0.0.1:11436\nhttp://127.0.0.1:11437----sk-local-cli-bbbbbbbb\n".write(
            to: file, atomically: true, encoding: .utf8)
        let imported = try cli.run(
            ["keys", "import", file.path, "--provider", "local", "--tier", "3"], database: database)
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.output.contains("added 2"))

        let moved = try cli.run(["keys", "set-placement", id, "--weight", "7"], database: database)
        #expect(moved.status == 0, "\(moved.errors)")
        #expect(moved.output.contains("weight 7, tier 2"))
        let outOfRange = try cli.run(["keys", "set-placement", id, "--tier", "10"], database: database)
        #expect(outOfRange.status != 0)
        let unknown = try cli.run(["keys", "set-placement", "k_nope", "--tier", "2"], database: database)
        #expect(unknown.status != 0)
        let badURL = try cli.run(["keys", "add", "--base-url", "ftp://x"], database: database)
        #expect(badURL.status != 0)
        let unknownProvider = try cli.run(
            ["keys", "add", "sk-aaaaaaaaaaaaaaaa", "--provider", "nope"], database: database)
        #expect(unknownProvider.status != 0)
        #expect(unknownProvider.errors.contains("local"))

        let listed = try cli.run(["keys", "list", "--provider", "local"], database: database)
        #expect(listed.status == 0, "\(listed.errors)")
        #expect(!listed.output.contains("sk-local-cli-bbbbbbbb"))

        let snapshot = try await snapshot(database)
        #expect(snapshot.providers.map(\.name.rawValue) == ["local"])
        let keys = snapshot.keys.filter { $0.provider.rawValue == "local" }
        #expect(keys.count == 3)
        #expect(keys.first { $0.id == id }?.placement == KeyPlacement(weight: 7, tier: 2))
        #expect(keys.first { $0.id == id }?.baseURL == "http://127.0.0.1:11435")
        #expect(keys.filter { $0.id != id }.allSatisfy { $0.placement.tier == 3 })
        #expect(Set(keys.compactMap(\.baseURL)).count == 3)
    }
}
