import ArgumentParser
import Foundation
import Logging
import PoolCore
import PoolServer
import PoolStore
import PostgresNIO

/// `ollama-pool import-reference postgres://…`: moves an existing deployment of the reference Worker (its
/// PostgreSQL tables) into the configured store, so its users keep their keys and client tokens.
struct ImportReference: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-reference",
        abstract: "Import the reference Worker's keys, statistics and client tokens from its PostgreSQL database.",
        discussion: """
            Reads the ollama_api_* and openrouter_api_* tables (keys with their status and statistics, client \
            tokens, totals) and adds them to the configured DATABASE_URL (SQLite or PostgreSQL). Client tokens \
            are stored as hashes only, so clients keep using the same token text. Running it again adds nothing \
            twice: keys and tokens already stored are left as they are. Prints counts and verifies them; never \
            prints a key, a token or the database password.
            """
    )

    @Argument(help: ArgumentHelp("The reference's database.", valueName: "postgres-url")) var url: String
    @OptionGroup var settings: SettingOptions

    func run() async throws {
        let configuration = try settings.configuration()
        let logger = settings.logger(configuration)
        let source: PostgresConnectionSettings
        do {
            source = try PostgresConnectionSettings(url: url)
        } catch let error as StoreError {
            throw ValidationError("the reference database: \(error.description)")
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try source.connectionConfiguration(), id: 1, logger: logger)
        } catch {
            throw StoreError("cannot reach the reference database at \(source): \(Self.describe(error))")
        }
        let target: any PoolStore
        do {
            target = try await Gateway.openConfiguredStore(configuration, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        do {
            let tables = ReferenceTables(connection: connection, logger: logger)
            let results = try await ReferenceImport(store: target, now: Date()).run(tables)
            try await Self.verify(tables, in: target)
            for (provider, counts) in results { print(Self.line(provider, counts)) }
            let keys = results.reduce(0) { $0 + $1.1.keysRead - $1.1.keysSkipped }
            print("verified: all \(keys) keys and every token read are in the store")
            try await connection.close()
            try await target.close()
        } catch {
            try? await connection.close()
            try? await target.close()
            if error is PSQLError { throw StoreError("reading the reference database failed: \(Self.describe(error))") }
            throw error
        }
    }

    /// Checks that every usable key and token the reference holds is in the store now.
    static func verify(_ tables: ReferenceTables, in store: any PoolStore) async throws {
        let snapshot = try await store.loadSnapshot()
        let storedKeys = Set(snapshot.keys.map { "\($0.provider.rawValue)\u{0}\($0.secret)" })
        let storedTokens = Set(snapshot.tokens.map(\.tokenHash))
        var missingKeys = 0
        var missingTokens = 0
        for provider in ProviderID.builtIn {
            _ = try await tables.keys(provider) { rows in
                for row in rows {
                    guard let record = ReferenceImport.keyRecord(row, provider: provider, now: Date()) else { continue }
                    if !storedKeys.contains("\(provider.rawValue)\u{0}\(record.secret)") { missingKeys += 1 }
                }
            }
            for row in try await tables.tokens(provider) ?? [] where KeySecretRules.problem(in: row.token) == nil {
                if !storedTokens.contains(ClientTokenFactory.hash(row.token)) { missingTokens += 1 }
            }
        }
        guard missingKeys == 0, missingTokens == 0 else {
            throw StoreError(
                "verification failed: \(missingKeys) keys and \(missingTokens) tokens of the reference are not in the store"
            )
        }
    }

    /// One provider's counts, for the operator.
    static func line(_ provider: ProviderID, _ counts: ReferenceImport.Counts) -> String {
        var parts = [
            "\(counts.keysRead) keys read: \(counts.keysAdded) added, \(counts.keysPresent) already there"
                + (counts.keysSkipped > 0 ? ", \(counts.keysSkipped) skipped (not a usable key)" : ""),
            "statistics of \(counts.statsAdded) keys added",
            "\(counts.tokensRead) client tokens read: \(counts.tokensAdded) added, \(counts.tokensPresent) already there"
                + (counts.tokensSkipped > 0 ? ", \(counts.tokensSkipped) skipped (not a usable token)" : ""),
        ]
        parts.append(counts.totalsAdded ? "totals added" : "totals not added (none, or imported before)")
        return "\(provider.rawValue): " + parts.joined(separator: "; ")
    }

    /// The server's message, or the kind of failure; postgres-nio's own descriptions may quote bound values.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        if let error = error as? StoreError { return error.description }
        return String(describing: type(of: error))
    }
}
