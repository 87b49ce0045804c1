import Foundation
import Logging
import NIOHTTP1
import PoolCore
import PoolStore
import PostgresNIO
import Testing

@testable import PoolServer

/// `ollama-pool import-reference` (the real binary) from the reference Worker's PostgreSQL tables, created here
/// from the schema in its README, into SQLite and into PostgreSQL; then a client of the reference authenticates
/// with its old token against a gateway on the imported store.
@Suite(
    "Importing the reference Worker's PostgreSQL tables",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the import-reference test is skipped (scripts/test starts a server)"))
struct ImportReferenceTests {
    private static let encryptionKey = "import-reference-encryption-key-0123456789"
    /// The test cluster trusts loopback, so any password logs in; the command must never print it.
    private static let password = "Sup3rSecretPassw0rd"
    private static let ollamaToken = "ref-client-token-ollama-000000000001"
    private static let openrouterToken = "ref-client-token-openrouter-0000001"
    private static let sharedToken = "ref-client-token-both-providers-001"
    private static let secrets = [
        "ref-ollama-active-key-000001", "ref-ollama-admin-off-key-0002", "ref-ollama-failed-key-000003",
        "ref-ollama-was-off-key-000004", "ref-openrouter-key-000000001", "ref-openrouter-key-000000002",
    ]

    /// The reference's tables, as its README gives them, for one prefix.
    private static func schema(_ prefix: String) -> [String] {
        [
            """
            create table if not exists \(prefix)keys (
              api_key text primary key, username text, status text default 'active',
              created_at timestamptz default now(), expires_at timestamptz, failed_until timestamptz,
              disabled_until timestamptz, consecutive_failures integer default 0)
            """,
            """
            create table if not exists \(prefix)key_stats (
              api_key text primary key references \(prefix)keys(api_key) on delete cascade,
              total_requests bigint default 0, success_count bigint default 0, failure_count bigint default 0,
              success_rate numeric default 0, last_used timestamptz, last_success timestamptz,
              last_failure timestamptz, consecutive_failures integer default 0, created_at timestamptz default now())
            """,
            """
            create table if not exists \(prefix)client_tokens (
              token text primary key, name text, created_at timestamptz default now(), expires_at timestamptz,
              request_count bigint default 0)
            """,
            """
            create table if not exists \(prefix)global_stats (
              id text primary key default 'global', total_requests bigint default 0, success_count bigint default 0,
              failure_count bigint default 0, updated_at timestamptz default now())
            """,
        ]
    }

    private static let rows = [
        """
        insert into ollama_api_keys (api_key, username, status, created_at, failed_until, disabled_until,
                                     consecutive_failures) values
          ('\(secrets[0])', 'alice', 'active', '2025-01-02T03:04:05Z', null, null, 0),
          ('\(secrets[1])', null, 'disabled', '2025-01-03T00:00:00Z', null, null, 0),
          ('\(secrets[2])', null, 'active', '2025-01-04T00:00:00Z', now() + interval '1 hour', null, 2),
          ('\(secrets[3])', null, 'disabled', '2025-01-05T00:00:00Z', null, now() - interval '1 hour', 0),
          ('not a key at all', null, 'active', '2025-01-06T00:00:00Z', null, null, 0)
        """,
        """
        insert into ollama_api_key_stats (api_key, total_requests, success_count, failure_count, last_used) values
          ('\(secrets[0])', 120, 100, 20, '2025-02-01T00:00:00Z')
        """,
        """
        insert into openrouter_api_keys (api_key, status) values ('\(secrets[4])', 'active'), ('\(secrets[5])', 'active')
        """,
        """
        insert into ollama_api_client_tokens (token, name, request_count) values
          ('\(ollamaToken)', 'team-a', 42), ('\(sharedToken)', 'both', 1)
        """,
        """
        insert into openrouter_api_client_tokens (token, name) values ('\(openrouterToken)', 'team-b'), ('\(sharedToken)', 'both')
        """,
        "insert into ollama_api_global_stats (id, total_requests, success_count, failure_count) values ('global', 500, 450, 50)",
    ]

    /// Creates and fills the reference's tables in the database at `url`.
    private func createReference(_ url: String) async throws {
        let settings = try PostgresConnectionSettings(url: url)
        let connection = try await PostgresConnection.connect(
            configuration: try settings.connectionConfiguration(), id: 1, logger: SharedDatabase.logger)
        do {
            for statement in Self.schema("ollama_api_") + Self.schema("openrouter_api_") + Self.rows {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: SharedDatabase.logger)
            }
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Checks what an import left in `store`.
    private func checkImported(_ store: any PoolStore) async throws {
        let snapshot = try await store.loadSnapshot()
        #expect(snapshot.keys.count == 6)
        #expect(Set(snapshot.keys.map(\.secret)) == Set(Self.secrets))
        let bySecret = Dictionary(uniqueKeysWithValues: snapshot.keys.map { ($0.secret, $0) })
        let now = Date()
        let active = try #require(bySecret[Self.secrets[0]])
        #expect(active.provider == .ollama)
        #expect(active.username == "alice")
        #expect(active.createdAt == ISO8601DateFormatter().date(from: "2025-01-02T03:04:05Z"))
        #expect(active.health.status(at: now, expiresAt: nil) == .active)
        let stats = try #require(snapshot.keyStats.first { $0.keyID == active.id })
        #expect((stats.requests, stats.successes, stats.failures) == (120, 100, 20))
        #expect(bySecret[Self.secrets[1]]?.health.isDisabledByAdmin(at: now) == true)
        #expect(bySecret[Self.secrets[2]]?.health.status(at: now, expiresAt: nil) == .cooling)
        #expect(bySecret[Self.secrets[2]]?.health.consecutiveFailures == 2)
        #expect(bySecret[Self.secrets[3]]?.health.status(at: now, expiresAt: nil) == .active)
        #expect(bySecret[Self.secrets[4]]?.provider == .openrouter)

        #expect(snapshot.tokens.count == 3)
        let byHash = Dictionary(uniqueKeysWithValues: snapshot.tokens.map { ($0.tokenHash, $0) })
        let ollama = try #require(byHash[ClientTokenFactory.hash(Self.ollamaToken)])
        #expect(ollama.provider == .ollama)
        #expect(ollama.name == "team-a")
        #expect(ollama.requestCount == 42)
        #expect(byHash[ClientTokenFactory.hash(Self.openrouterToken)]?.provider == .openrouter)
        #expect(byHash[ClientTokenFactory.hash(Self.sharedToken)]?.provider == nil)
        #expect(snapshot.globalStats.first { $0.provider == .ollama }?.requests == 500)
    }

    /// Nothing the command printed may hold a key, a token or the password.
    private func expectNoSecrets(_ run: CLITests.Run) {
        let printed = run.output + run.errors
        #expect(!printed.contains(Self.password))
        for secret in Self.secrets + [Self.ollamaToken, Self.openrouterToken, Self.sharedToken] {
            #expect(!printed.contains(secret))
        }
    }

    @Test("keys, statistics, tokens and totals arrive in SQLite and PostgreSQL; twice adds nothing; old tokens work")
    func roundTrip() async throws {
        try await SharedDatabase.withPostgresURL { referenceURL in
            try await createReference(referenceURL)
            let withPassword = referenceURL.replacingOccurrences(
                of: "postgres://postgres@", with: "postgres://postgres:\(Self.password)@")
            #expect(withPassword != referenceURL)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ref-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = folder.appendingPathComponent("pool.sqlite")
            let cli = CLITests()
            let environment = ["ENCRYPTION_KEY": Self.encryptionKey]

            // Into SQLite, twice.
            let first = try cli.run(["import-reference", withPassword], database: database, environment: environment)
            #expect(first.status == 0, "\(first.errors)")
            #expect(first.output.contains("ollama: 5 keys read: 4 added, 0 already there, 1 skipped"))
            #expect(first.output.contains("openrouter: 2 keys read: 2 added"))
            #expect(first.output.contains("verified"))
            expectNoSecrets(first)
            let second = try cli.run(["import-reference", withPassword], database: database, environment: environment)
            #expect(second.status == 0, "\(second.errors)")
            #expect(second.output.contains("ollama: 5 keys read: 0 added, 4 already there"))
            #expect(second.output.contains("2 client tokens read: 0 added, 2 already there"))
            expectNoSecrets(second)
            let sqlite = try SQLiteStore(
                path: database.path, cipher: SecretCipher(passphrase: Self.encryptionKey), logger: SharedDatabase.logger
            )
            try await checkImported(sqlite)
            try await sqlite.close()

            // Usage errors quote what was typed: never the password.
            let usage = try cli.run(
                ["import-reference", withPassword, withPassword], database: database, environment: environment)
            #expect(usage.status != 0)
            expectNoSecrets(usage)
            let unreachable = try cli.run(
                ["import-reference", "postgres://postgres:\(Self.password)@127.0.0.1:1/nothing?sslmode=disable"],
                database: database, environment: environment)
            #expect(unreachable.status != 0)
            #expect(unreachable.errors.contains("127.0.0.1"))
            expectNoSecrets(unreachable)

            // Into PostgreSQL, twice.
            try await SharedDatabase.withPostgresURL { targetURL in
                let target = environment.merging(["DATABASE_URL": targetURL]) { $1 }
                for _ in 0..<2 {
                    let run = try cli.run(["import-reference", withPassword], database: database, environment: target)
                    #expect(run.status == 0, "\(run.errors)")
                    expectNoSecrets(run)
                }
                let postgres = try await PostgresStore(
                    settings: try PostgresConnectionSettings(url: targetURL),
                    cipher: SecretCipher(passphrase: Self.encryptionKey), logger: SharedDatabase.logger)
                try await checkImported(postgres)
                try await postgres.close()
            }

            // A client of the reference goes on with its token, against a gateway on the imported SQLite store.
            let mock = try await MockUpstream.start()
            let gateway: TestGateway
            do {
                gateway = try await TestGateway.start(directory: folder) { configuration in
                    configuration.persistence.encryptionKey = Self.encryptionKey
                    configuration.upstream.ollamaURL = mock.baseURL
                    configuration.upstream.openRouterURL = mock.baseURL + "/api"
                    configuration.keyChecks.healthCheckInterval = 0
                }
            } catch {
                await mock.stop()
                throw error
            }
            do {
                let body = #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
                let accepted = try await gateway.request(
                    .POST, "/v1/chat/completions", token: Self.ollamaToken, body: body)
                #expect(accepted.status == 200, "\(accepted.body)")
                #expect(mock.keysUsed.contains(Self.secrets[0]))
                let shared = try await gateway.request(
                    .POST, "/v1/chat/completions", token: Self.sharedToken, body: body)
                #expect(shared.status == 200)
                let unknown = try await gateway.request(
                    .POST, "/v1/chat/completions", token: "ref-client-token-never-issued-000", body: body)
                #expect(unknown.status == 401)
            } catch {
                await gateway.stop(removeFiles: false)
                await mock.stop()
                throw error
            }
            await gateway.stop(removeFiles: false)
            await mock.stop()
        }
    }
}
