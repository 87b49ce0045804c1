import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The real binary serving an SQLite database while the real CLI changes that database: the server picks the
/// changes up through the change feed (it polls every second), without a restart.
@Suite("A CLI change reaches a running SQLite server")
struct CLIChangeTests {
    private static let adminToken = "tls-admin-token-0123456789abcdef"

    /// The body of an admin GET.
    private func admin(_ path: String, port: Int) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(Self.adminToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 22)
        return String(buffer: body)
    }

    /// Polls `path` until its body contains `text` (generous slack: the feed's own delay is about a second).
    private func eventually(_ path: String, contains text: String, port: Int) async throws -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try await admin(path, port: port).contains(text) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("keys imported and a token created and revoked by the CLI take effect in the running server")
    func cliChangesArePickedUp() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let served = try ServedBinary.start(folder: folder)
        defer { served.stop() }
        let database = folder.appendingPathComponent("pool.sqlite")
        let cli = CLITests()
        let keys = folder.appendingPathComponent("keys.txt")
        try "sk-cli-feed-key-0000000001\n".write(to: keys, atomically: true, encoding: .utf8)
        let environment = ["ADMIN_TOKEN": Self.adminToken]

        #expect(try cli.run(["keys", "import", keys.path], database: database, environment: environment).status == 0)
        #expect(try await eventually("/admin/api-keys", contains: "sk-c…0001", port: served.port))

        let created = try cli.run(["tokens", "create", "from-cli"], database: database, environment: environment)
        #expect(created.status == 0)
        #expect(try await eventually("/admin/tokens", contains: "from-cli", port: served.port))
        let listed = try await admin("/admin/tokens", port: served.port)
        let id = try #require(
            listed.range(of: #"tok_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(listed[$0]) })
        #expect(try cli.run(["tokens", "revoke", id], database: database, environment: environment).status == 0)
        let deadline = Date().addingTimeInterval(20)
        var revoked = false
        while Date() < deadline, !revoked {
            revoked = !(try await admin("/admin/tokens", port: served.port).contains("from-cli"))
            if !revoked { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(revoked)
    }
}
