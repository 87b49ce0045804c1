import ArgumentParser
import Foundation
import Logging
import PoolCore
import PoolServer
import PoolStore

/// `ollama-pool migrate --from URL --to URL`: copies everything one store holds into another (SQLite to
/// PostgreSQL, or back), then checks the copy's counts. Run it with the servers stopped.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy keys, tokens, statistics and settings from one store into an empty one (servers stopped).",
        discussion: """
            Copies keys (with health, statistics, models, category, credit, base URL, weight and tier), client \
            tokens (hashes only, with their counts), the providers added through the admin API, the totals and \
            model hours, and the admin token's hash, then verifies the counts. \
            Secrets are opened with the source's key (an SQLite source's <database>.key when it exists, else \
            --from-encryption-key or ENCRYPTION_KEY) and sealed with ENCRYPTION_KEY in the target (required for \
            PostgreSQL; an SQLite target without it gets a generated <database>.key).
            """
    )

    @Option(help: "The store to copy from, e.g. sqlite:./data/pool.sqlite.") var from: String
    @Option(help: "The store to copy into, e.g. postgres://USER:PASSWORD@HOST/DB; it must hold no keys or tokens.")
    var to: String
    @Option(help: "The key the source's secrets are sealed with, when it differs from ENCRYPTION_KEY.")
    var fromEncryptionKey: String?
    @OptionGroup var settings: SettingOptions

    /// Settings copied as they are (the admin token's hash; the hash-scheme fingerprint is the target's own).
    static let copiedSettings = ["admin_token_sha256"]

    func run() async throws {
        let configuration = try settings.configuration()
        let logger = settings.logger(configuration)
        let sourceLocation = try StoreLocation.parse(from)
        let targetLocation = try StoreLocation.parse(to)
        guard sourceLocation != targetLocation else { throw ValidationError("--from and --to name the same store") }
        let key = configuration.persistence.encryptionKey
        let source = try await openStore(
            sourceLocation, cipher: try Self.sourceCipher(sourceLocation, given: fromEncryptionKey ?? key),
            logger: logger)
        let target: any PoolStore
        do {
            let targetPassphrase = try key ?? EncryptionKeyFile.passphrase(for: targetLocation, logger: logger)
            target = try await openStore(
                targetLocation, cipher: targetPassphrase.map(SecretCipher.init(passphrase:)), logger: logger)
        } catch {
            try? await source.close()
            throw error
        }
        do {
            try await Self.copy(from: source, to: target)
            try await source.close()
            try await target.close()
        } catch {
            try? await source.close()
            try? await target.close()
            throw error
        }
    }

    /// Copies `source` into the empty `target` and checks the counts.
    static func copy(from source: any PoolStore, to target: any PoolStore) async throws {
        let existing = try await target.loadSnapshot()
        guard existing.keys.isEmpty, existing.tokens.isEmpty else {
            throw ValidationError(
                "the target already holds \(existing.keys.count) keys and \(existing.tokens.count) tokens; "
                    + "migrate into an empty database")
        }
        let snapshot = try await source.loadSnapshot()
        let inserted = try await target.insertKeys(snapshot.keys)
        for token in snapshot.tokens { try await target.insertToken(token) }
        for provider in snapshot.providers { try await target.saveProvider(provider) }
        // Into an empty store, the source's totals are the increments.
        try await target.write(
            StatsBatch(
                keyStats: snapshot.keyStats, globalStats: snapshot.globalStats, modelHours: snapshot.modelHours))
        for name in copiedSettings {
            if let value = try await source.setting(name) { try await target.setSetting(name, value: value) }
        }

        let copy = try await target.loadSnapshot()
        let checks: [(String, Int, Int)] = [
            ("keys", snapshot.keys.count, copy.keys.count),
            ("key statistics", snapshot.keyStats.count, copy.keyStats.count),
            ("tokens", snapshot.tokens.count, copy.tokens.count),
            ("providers", snapshot.providers.count, copy.providers.count),
            (
                "requests", snapshot.globalStats.reduce(0) { $0 + $1.requests },
                copy.globalStats.reduce(0) { $0 + $1.requests }
            ),
            ("model hours", snapshot.modelHours.count, copy.modelHours.count),
        ]
        let mismatches = checks.filter { $0.1 != $0.2 }
        guard mismatches.isEmpty, inserted.count == snapshot.keys.count else {
            throw ValidationError(
                "the copy does not match: "
                    + mismatches.map { "\($0.0) \($0.1) in the source, \($0.2) in the target" }.joined(separator: "; "))
        }
        print(
            "copied \(copy.keys.count) keys, \(copy.tokens.count) tokens, \(copy.providers.count) providers, "
                + "\(copy.keyStats.count) key statistics, \(copy.modelHours.count) model hours; counts verified")
    }

    /// An SQLite source's own key file when it has one (what `serve` generated), else the given key.
    static func sourceCipher(_ location: StoreLocation, given: String?) throws -> SecretCipher? {
        if let path = EncryptionKeyFile.path(for: location), FileManager.default.fileExists(atPath: path) {
            let logger = Logger(label: "ollama-pool.migrate")
            return try EncryptionKeyFile.passphrase(for: location, logger: logger).map(SecretCipher.init(passphrase:))
        }
        return given.map(SecretCipher.init(passphrase:))
    }
}
