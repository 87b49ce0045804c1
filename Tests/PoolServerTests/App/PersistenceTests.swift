import Foundation
import Logging
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

@Suite("Persistence")
struct PersistenceTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("pool-persist-\(UUID().uuidString)")
    }

    @Test("keys, tokens, key health and counters survive a restart")
    func restart() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mock = try await MockUpstream.start()
        defer { Task { await mock.stop() } }
        func start() async throws -> TestGateway {
            try await TestGateway.start(directory: folder) { $0.upstream.ollamaURL = mock.baseURL }
        }

        let first = try await start()
        let ids = try await first.addKeys(["persist-key-000000001", "persist-key-000000002"])
        let token = try await first.createToken(name: "kept")
        _ = try await first.admin(.POST, "/admin/keys/disable", json: ["id": ids[1]])
        for _ in 0..<3 {
            let reply = try await first.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 200)
        }
        await first.stop(removeFiles: false)

        let second = try await start()
        let views = second.gateway.pool.views(provider: .ollama)
        #expect(views.map(\.id).sorted() == ids.sorted())
        #expect(second.gateway.pool.view(id: ids[1])?.status == .disabled)
        #expect(second.gateway.pool.view(id: ids[0])?.stats.requests == 3)
        #expect(second.gateway.pool.view(id: ids[0])?.stats.promptTokens == 15)
        #expect(second.gateway.traffic.totals(provider: .ollama).successes == 3)
        #expect(second.gateway.tokens.entries().first?.requestCount == 3)
        let reply = try await second.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
        #expect(reply.status == 200)
        await second.stop(removeFiles: false)
    }

    @Test("with ENCRYPTION_KEY set, secrets never appear in the database files")
    func encryptionAtRest() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let secret = "ollama-very-secret-key-0123456789"
        let gateway = try await TestGateway.start(directory: folder) {
            $0.persistence.encryptionKey = "correct horse battery staple"
        }
        try await gateway.addKeys([secret])
        await gateway.stop(removeFiles: false)

        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        #expect(!files.isEmpty)
        for file in files {
            let bytes = try Data(contentsOf: file)
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file.lastPathComponent) holds the secret in clear")
        }

        let reopened = try await TestGateway.start(directory: folder) {
            $0.persistence.encryptionKey = "correct horse battery staple"
        }
        #expect(reopened.gateway.pool.contains(secret: secret, provider: .ollama))
        await reopened.stop(removeFiles: false)

        await #expect(throws: (any Error).self) {
            let wrong = try await TestGateway.start(directory: folder) { $0.persistence.encryptionKey = "wrong key" }
            await wrong.stop(removeFiles: false)
        }
    }

    @Test("without ENCRYPTION_KEY secrets are still encrypted, with a key generated once beside the database")
    func encryptionByDefault() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let secret = "ollama-default-encrypted-key-0123456789"
        let gateway = try await TestGateway.start(directory: folder)
        try await gateway.addKeys([secret])
        await gateway.stop(removeFiles: false)

        let keyFile = folder.appendingPathComponent("pool.sqlite.key")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        #expect(((attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0) & 0o777 == 0o600)
        let key = try String(contentsOf: keyFile, encoding: .utf8)
        for file in try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        where file != keyFile {
            let bytes = try Data(contentsOf: file)
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file.lastPathComponent) holds the secret in clear")
        }

        let reopened = try await TestGateway.start(directory: folder)
        #expect(reopened.gateway.pool.contains(secret: secret, provider: .ollama))
        await reopened.stop(removeFiles: false)
        #expect(try String(contentsOf: keyFile, encoding: .utf8) == key, "the key file is made once, never replaced")
    }

    @Test("without ADMIN_TOKEN a strong token is generated once and only its hash is kept")
    func generatedAdminToken() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = GatewayConfiguration()
        configuration.persistence.databaseURL = "sqlite:" + folder.appendingPathComponent("pool.sqlite").path
        configuration.logLevel = .critical
        var announced: [String] = []
        let logger = Logger(label: "test")
        let first = try await Gateway.open(
            configuration: configuration, logger: logger, announceAdminToken: { announced.append($0) })
        #expect(announced.count == 1)
        let token = announced[0]
        #expect(token.count >= 40)
        #expect(first.admin.verify(token))
        #expect(!first.admin.verify("admin"))
        try await first.store.close()

        let second = try await Gateway.open(
            configuration: configuration, logger: logger, announceAdminToken: { announced.append($0) })
        #expect(announced.count == 1)
        #expect(second.admin.verify(token))
        try await second.store.close()

        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        for file in files {
            #expect(try Data(contentsOf: file).range(of: Data(token.utf8)) == nil)
        }
    }

    @Test("a postgres DATABASE_URL without ENCRYPTION_KEY fails at start with a clear message that hides the password")
    func postgresNeedsEncryptionKey() async throws {
        var configuration = GatewayConfiguration()
        configuration.persistence.databaseURL = "postgres://pool:hunter2@127.0.0.1:5432/pool"
        do {
            _ = try await Gateway.open(configuration: configuration, logger: Logger(label: "test"))
            Issue.record("expected an error")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("PostgreSQL") && message.contains("needs ENCRYPTION_KEY"), "\(message)")
            #expect(!message.contains("hunter2"))
        }
    }

    @Test(
        "configuration errors name the setting",
        arguments: [
            ["PORT": "eighty"], ["MAX_RETRIES": "-1"], ["LOG_LEVEL": "loud"], ["OLLAMA_UPSTREAM_URL": "ftp://x"],
            ["DISABLE_OLLAMA": "maybe"],
        ])
    func configurationErrors(environment: [String: String]) {
        #expect(throws: ConfigurationError.self) { try GatewayConfiguration.fromEnvironment(environment) }
    }

    @Test("configuration reads every variable")
    func configurationValues() throws {
        let configuration = try GatewayConfiguration.fromEnvironment([
            "PORT": "9000", "HOST": "127.0.0.1", "MAX_RETRIES": "5", "FAILURE_THRESHOLD": "4", "DISABLE_SECONDS": "60",
            "OLLAMA_UPSTREAM_URL": "http://127.0.0.1:1234/", "DISABLE_OPENROUTER": "true", "LOG_LEVEL": "debug",
        ])
        #expect(configuration.port == 9000)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.upstream.maxRetries == 5)
        #expect(configuration.cooldown.failureThreshold == 4)
        #expect(configuration.cooldown.disableSeconds == 60)
        #expect(configuration.upstream.baseURL(for: .ollama) == "http://127.0.0.1:1234")
        #expect(!configuration.upstream.isEnabled(.openrouter))
        #expect(configuration.logLevel == .debug)
    }
}
