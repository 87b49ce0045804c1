import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Two real gateway processes on one PostgreSQL database: what an admin does through one reaches the other
/// through the change feed (LISTEN, with the one-second poll behind it).
@Suite(
    "Two gateway processes on one PostgreSQL database",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the PostgreSQL cluster tests are skipped (scripts/test starts a server)"))
struct TwoInstancesTests {
    private static let adminToken = "tls-admin-token-0123456789abcdef"

    private func admin(_ method: HTTPMethod, _ path: String, port: Int, body: String? = nil) async throws -> String {
        try await adminCall(method, path, port: port, token: Self.adminToken, body: body)
    }

    /// Polls `path` on `port` until `holds` is true for its body (generous slack; the feed takes ~a second).
    private func eventually(_ path: String, port: Int, _ holds: (String) -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if holds(try await admin(.GET, path, port: port)) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("a key added, disabled and a token created and revoked through A take effect in B")
    func adminChangesReachTheOtherInstance() async throws {
        try await SharedDatabase.withPostgresURL { url in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("two-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let environment = [
                "DATABASE_URL": url, "ENCRYPTION_KEY": "two-instances-encryption-key-0123456789",
                "ADMIN_TOKEN": Self.adminToken,
            ]
            let a = try ServedBinary.start(folder: folder, environment: environment)
            defer { a.stop() }
            let b = try ServedBinary.start(folder: folder, environment: environment)
            defer { b.stop() }

            _ = try await admin(.POST, "/admin/api-keys", port: a.port, body: #"{"key":"sk-added-on-a-0000000001"}"#)
            #expect(try await eventually("/admin/api-keys", port: b.port) { $0.contains("sk-a…0001") })
            let keys = try await admin(.GET, "/admin/api-keys", port: a.port)
            let keyID = try #require(
                keys.range(of: #"k_[0-9a-f]+"#, options: .regularExpression).map { String(keys[$0]) })
            let disabled = #""status":"disabled""#
            #expect(!(try await admin(.GET, "/admin/api-keys", port: b.port)).contains(disabled))
            _ = try await admin(.POST, "/admin/keys/disable", port: a.port, body: #"{"id":"\#(keyID)"}"#)
            #expect(try await eventually("/admin/api-keys", port: b.port) { $0.contains(disabled) })

            _ = try await admin(.POST, "/admin/tokens", port: a.port, body: #"{"name":"made-on-a"}"#)
            #expect(try await eventually("/admin/tokens", port: b.port) { $0.contains("made-on-a") })
            let tokens = try await admin(.GET, "/admin/tokens", port: a.port)
            let tokenID = try #require(
                tokens.range(of: #"tok_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(tokens[$0]) })
            _ = try await admin(.DELETE, "/admin/tokens/\(tokenID)", port: a.port)
            #expect(try await eventually("/admin/tokens", port: b.port) { !$0.contains("made-on-a") })
        }
    }
}
