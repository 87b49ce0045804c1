import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

/// How proxied requests are counted: each once, in one category, and the success rate about the upstream only.
@Suite("Proxy: honest request statistics")
struct RequestStatsTests {
    static let key = "stats-honest-key-0001"

    /// `/admin/stats` once its total reached `total` (counting happens before the answer leaves, but a stream
    /// counts when its relay ends).
    func overview(_ gateway: TestGateway, total: Int) async throws -> [String: Any] {
        var json: [String: Any] = [:]
        for _ in 0..<100 {
            json = try await gateway.admin(.GET, "/admin/stats").json
            if json["total_requests"] as? Int == total { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return json
    }

    func chat(_ gateway: TestGateway, token: String, model: String? = "llama3.2:1b") async throws -> Int {
        let body =
            model.map { #"{"model":"\#($0)","messages":[{"role":"user","content":"hi"}]}"# }
            ?? #"{"messages":[{"role":"user","content":"hi"}]}"#
        return try await gateway.request(.POST, "/v1/chat/completions", token: token, body: body).status
    }

    @Test("client 400s passed back and no-usable-key 503s do not lower the success rate; every count is exact")
    func categoriesAreExact() async throws {
        try await withProxy { gateway, mock in
            let keyID = try await gateway.addKeys([Self.key])[0]
            let token = try await gateway.createToken(name: "private-token-name")
            for _ in 0..<3 { #expect(try await chat(gateway, token: token) == 200) }
            mock.setDefault(.status(400, body: #"{"error":{"message":"bad messages"}}"#))
            #expect(try await chat(gateway, token: token) == 400)
            #expect(try await chat(gateway, token: token, model: nil) == 400)
            mock.setDefault(.status(422))
            #expect(try await chat(gateway, token: token) == 422)
            mock.setDefault(.ok)
            #expect(try await chat(gateway, token: "sk-not-a-real-token") == 401)
            #expect(try await gateway.request(.POST, "/v1/chat/completions", body: chatBody).status == 401)
            let notJSON = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: "not json")
            #expect(notJSON.status == 400)
            _ = try await gateway.admin(.POST, "/admin/keys/disable", json: ["id": keyID, "duration": 600])
            #expect(try await chat(gateway, token: token) == 503)

            var stats = try await overview(gateway, total: 10)
            #expect(stats["total_requests"] as? Int == 10)
            #expect(stats["success_count"] as? Int == 3)
            #expect(stats["client_error_count"] as? Int == 3)
            #expect(stats["upstream_failure_count"] as? Int == 0)
            #expect(stats["refused_count"] as? Int == 4)
            #expect(stats["failure_count"] as? Int == 7)
            #expect(stats["unclassified_failure_count"] as? Int == 0)
            #expect(stats["success_rate_basis"] as? Int == 3)
            #expect(stats["success_rate"] as? Double == 100)
            #expect(
                stats["refused_by_reason"] as? [String: Int] == [
                    "auth": 2, "bad_request": 1, "limits": 0, "model_not_found": 0, "no_key": 1, "overloaded": 0,
                    "provider_disabled": 0,
                ])

            // Now the upstream fails: that, and only that, lowers the rate.
            _ = try await gateway.admin(.POST, "/admin/keys/enable", json: ["id": keyID])
            mock.setDefault(.status(500))
            #expect(try await chat(gateway, token: token) == 502)
            stats = try await overview(gateway, total: 11)
            #expect(stats["upstream_failure_count"] as? Int == 1)
            #expect(stats["success_rate_basis"] as? Int == 4)
            #expect(stats["success_rate"] as? Double == 75)

            // The key served 3 successes, 3 client errors and 1 upstream failure: only the last is its failure.
            let keys = try await gateway.admin(.GET, "/admin/keys/stats").json["keys"] as? [[String: Any]]
            let keyStats = try #require(keys?.first?["stats"] as? [String: Any])
            #expect(keyStats["total_requests"] as? Int == 7)
            #expect(keyStats["success_count"] as? Int == 3)
            #expect(keyStats["failure_count"] as? Int == 1)

            let reply = try await gateway.request(.GET, "/admin/public-stats")
            let global = try #require(reply.json["global"] as? [String: Any])
            #expect(global["totalRequests"] as? Int == 11)
            #expect(global["successCount"] as? Int == 3)
            #expect(global["failureCount"] as? Int == 8)
            #expect(global["clientErrorCount"] as? Int == 3)
            #expect(global["upstreamFailureCount"] as? Int == 1)
            #expect(global["refusedCount"] as? Int == 4)
            #expect(global["successRateBasis"] as? Int == 4)
            #expect(global["successRate"] as? Double == 75)
            #expect((global["refusedByReason"] as? [String: Int])?["no_key"] == 1)
            // Refusals before the body was read (bad token, not JSON) are in the totals only; the rest have a model.
            let trend = try #require(reply.json["hourlyTrend"] as? [[String: Any]])
            func trendSum(_ field: String) -> Int { trend.reduce(0) { $0 + ($1[field] as? Int ?? 0) } }
            #expect(trendSum("requests") == 8)
            #expect(trendSum("success") == 3 && trendSum("clientErrors") == 3)
            #expect(trendSum("upstreamFailures") == 1 && trendSum("refused") == 1 && trendSum("failure") == 5)
            let models = try #require(reply.json["topModels"] as? [[String: Any]])
            let llama = try #require(models.first { $0["model"] as? String == "llama3.2:1b" })
            #expect(llama["requests"] as? Int == 7)
            #expect(llama["successRate"] as? Double == 75)
            #expect(llama["refused"] as? Int == 1 && llama["clientErrors"] as? Int == 2)
            for secret in [Self.key, keyID, token, "private-token-name"] {
                #expect(!reply.body.contains(secret), "public stats leak \(secret)")
            }
        }
    }

    @Test("a request without a model is counted as such, apart from a model really named unknown")
    func noModel() async throws {
        try await withProxy { gateway, _ in
            try await gateway.addKeys([Self.key])
            let token = try await gateway.createToken()
            #expect(try await chat(gateway, token: token, model: nil) == 200)
            #expect(try await chat(gateway, token: token, model: nil) == 200)
            #expect(try await chat(gateway, token: token, model: "unknown") == 200)
            _ = try await overview(gateway, total: 3)
            let models = try #require(
                try await gateway.request(.GET, "/admin/public-stats").json["topModels"] as? [[String: Any]])
            #expect(models.map { $0["model"] as? String } == ["", "unknown"])
            #expect(models.map { $0["requests"] as? Int } == [2, 1])
        }
    }

    @Test("a stream the client leaves is served, not failed; a stream that breaks off is the upstream's failure")
    func streams() async throws {
        var long = MockUpstream.Behavior()
        long.chunks = 100
        long.chunkGap = .milliseconds(100)
        var broken = MockUpstream.Behavior()
        broken.chunks = 5
        broken.cutAfter = 2
        try await withProxy { gateway, mock in
            try await gateway.addKeys([Self.key])
            let token = try await gateway.createToken()
            mock.setDefault(long)
            try await gateway.leaveStream("/v1/chat/completions", token: token, body: streamBody)
            var stats = try await overview(gateway, total: 1)
            #expect(stats["success_count"] as? Int == 1)
            #expect(stats["upstream_failure_count"] as? Int == 0)

            mock.setDefault(broken)
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: streamBody)
            #expect(reply.status == 200)
            stats = try await overview(gateway, total: 2)
            #expect(stats["success_count"] as? Int == 1)
            #expect(stats["upstream_failure_count"] as? Int == 1)
            #expect(stats["success_rate"] as? Double == 50)
        }
    }

    @Test("a model no key serves and an oversized body are refusals with their reasons")
    func otherRefusals() async throws {
        try await withProxy({ $0.limits.maxBodyBytes = 1024 }) { gateway, _ in
            try await gateway.addKeys([Self.key])
            let token = try await gateway.createToken()
            let big =
                #"{"model":"m","messages":[{"role":"user","content":""#
                + String(repeating: "x", count: 2048) + #""}]}"#
            #expect(try await gateway.request(.POST, "/v1/chat/completions", token: token, body: big).status == 413)
            _ = try await gateway.admin(.DELETE, "/admin/api-keys", json: ["ids": [Self.key]])
            #expect(try await chat(gateway, token: token) == 503)
            let stats = try await overview(gateway, total: 2)
            let reasons = stats["refused_by_reason"] as? [String: Int]
            #expect(reasons?["bad_request"] == 1 && reasons?["no_key"] == 1)
            #expect(stats["success_rate"] as? Double == 0)
            #expect(stats["success_rate_basis"] as? Int == 0)
        }
    }

    @Test("the categories, refusal reasons and the no-model row survive a restart")
    func survivesRestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-stats-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mock = try await MockUpstream.start()
        defer { Task { await mock.stop() } }
        func start() async throws -> TestGateway {
            try await TestGateway.start(directory: folder) { $0.upstream.ollamaURL = mock.baseURL }
        }
        let first = try await start()
        try await first.addKeys([Self.key])
        let token = try await first.createToken()
        #expect(try await chat(first, token: token, model: nil) == 200)
        mock.setDefault(.status(404))
        #expect(try await chat(first, token: token) == 404)
        #expect(try await chat(first, token: "sk-wrong") == 401)
        let before = try await overview(first, total: 3)
        await first.stop(removeFiles: false)

        let second = try await start()
        let after = try await second.admin(.GET, "/admin/stats").json
        for field in [
            "total_requests", "success_count", "failure_count", "client_error_count", "upstream_failure_count",
            "refused_count", "success_rate_basis",
        ] {
            #expect(after[field] as? Int == before[field] as? Int, "\(field)")
        }
        #expect((after["refused_by_reason"] as? [String: Int])?["auth"] == 1)
        #expect(after["client_error_count"] as? Int == 1 && after["success_rate"] as? Double == 100)
        let models = try await second.request(.GET, "/admin/public-stats").json["topModels"] as? [[String: Any]]
        #expect(Set(models?.compactMap { $0["model"] as? String } ?? []) == ["", "llama3.2:1b"])
        await second.stop()
    }
}
