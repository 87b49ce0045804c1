import Foundation
import NIOHTTP1
import PoolCore
import Testing

@testable import PoolServer

/// Token usage is written off the request path and read back at start, so quotas survive a restart (SQLite).
@Suite("Token usage survives a restart")
struct TokenUsagePersistenceTests {
    @Test("a daily quota half used before a restart is still half used after it")
    func restart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("usage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await TestGateway.start(directory: folder)
        let created = try await first.admin(
            .POST, "/admin/tokens", json: ["name": "q", "request_quota": 4, "quota_period": "day"])
        let id = try #require(created.json["id"] as? String)
        let limiter = try #require(first.gateway.tokens.entry(id: id)).limiter
        for _ in 0..<2 { _ = limiter.admit(now: Date()) }
        limiter.record(tokens: 250, now: Date())
        await first.stop(removeFiles: false)

        let second = try await TestGateway.start(directory: folder)
        let listed = try await second.admin(.GET, "/admin/tokens")
        let usage = try #require((listed.json["tokens"] as? [[String: Any]])?.first?["usage"] as? [String: Any])
        #expect(usage["period_requests"] as? Int == 2 && usage["period_tokens"] as? Int == 250)
        let again = try #require(second.gateway.tokens.entry(id: id)).limiter
        var admitted = 0
        for _ in 0..<5 { if case .allowed = again.admit(now: Date()) { admitted += 1 } }
        #expect(admitted == 2)
        await second.stop()
    }
}
