import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

@Suite("Public statistics API")
struct PublicStatsTests {
    @Test("PUBLIC_STATS=false turns the statistics page and its API off, and nothing else")
    func turnedOff() async throws {
        try await withGateway({ $0.publicStats = false }) { gateway in
            let api = try await gateway.request(.GET, "/admin/public-stats")
            let page = try await gateway.request(.GET, "/stats")
            let dashboard = try await gateway.request(.GET, "/dashboard")
            let adminStats = try await gateway.admin(.GET, "/admin/stats")
            #expect(api.status == 404)
            #expect(page.status == 404)
            #expect(dashboard.status == 200)
            #expect(adminStats.status == 200)
        }
        let configuration = try GatewayConfiguration.fromEnvironment(["PUBLIC_STATS": "false"])
        #expect(!configuration.publicStats)
    }

    @Test("without traffic: the reference's shape, no auth, 24 zero-filled hourly points ending with this hour")
    func emptyShape() async throws {
        try await withGateway { gateway in
            let reply = try await gateway.request(.GET, "/admin/public-stats")
            #expect(reply.status == 200)
            let json = reply.json
            #expect(json["provider"] as? String == "ollama")
            let global = try #require(json["global"] as? [String: Any])
            for field in [
                "totalRequests", "successCount", "failureCount", "successRate", "totalApiKeys", "activeKeys",
                "failedKeys",
            ] {
                #expect(global[field] is NSNumber, "\(field)")
            }
            #expect((json["topModels"] as? [Any])?.isEmpty == true)
            #expect((json["recentTopModels"] as? [Any])?.isEmpty == true)
            let trend = try #require(json["hourlyTrend"] as? [[String: Any]])
            #expect(trend.count == 24)
            #expect(
                trend.allSatisfy {
                    ($0["requests"] as? Int) == 0 && ($0["success"] as? Int) == 0 && ($0["failure"] as? Int) == 0
                })
            let formatter = ISO8601DateFormatter()
            let times = trend.compactMap { ($0["time"] as? String).flatMap(formatter.date) }
            #expect(times.count == 24)
            #expect(zip(times, times.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 3600 })
            let hourStart = floor(Date().timeIntervalSince1970 / 3600) * 3600
            #expect(abs(times.last!.timeIntervalSince1970 - hourStart) <= 3600)
            #expect(
                trend.last?["hour"] as? String
                    == String(format: "%02d:00", Int(times.last!.timeIntervalSince1970) % 86400 / 3600))
        }
    }

    @Test(
        "after proxied requests: totals, models ranked, the trend sums up, and no key, id, user or token name appears")
    func afterTraffic() async throws {
        try await withProxy { gateway, mock in
            let secret = "public-stats-secret-key-1"
            _ = try await gateway.admin(
                .POST, "/admin/api-keys", json: ["apiKey": secret, "username": "alice-the-owner"])
            let keyID = try #require(gateway.gateway.pool.resolveID(secret))
            let token = try await gateway.createToken(name: "very-private-token-name")
            func chat(_ model: String) async throws -> Int {
                let body = #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"#
                return try await gateway.request(.POST, "/v1/chat/completions", token: token, body: body).status
            }
            for _ in 0..<4 { #expect(try await chat("llama3.2:1b") == 200) }
            for _ in 0..<2 { #expect(try await chat("qwen3:8b") == 200) }
            mock.setDefault(.status(500))
            #expect(try await chat("qwen3:8b") == 502)

            var json: [String: Any] = [:]
            for _ in 0..<100 {
                json = try await gateway.request(.GET, "/admin/public-stats?provider=ollama").json
                if ((json["global"] as? [String: Any])?["totalRequests"] as? Int) == 7 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let global = try #require(json["global"] as? [String: Any])
            #expect(global["totalRequests"] as? Int == 7)
            #expect(global["successCount"] as? Int == 6)
            #expect(global["failureCount"] as? Int == 1)
            #expect((global["successRate"] as? Double).map { abs($0 - 85.71) < 0.01 } == true)
            #expect(global["totalApiKeys"] as? Int == 1)

            let top = try #require(json["topModels"] as? [[String: Any]])
            #expect(top.map { $0["model"] as? String } == ["llama3.2:1b", "qwen3:8b"])
            #expect(top[1]["requests"] as? Int == 3 && top[1]["success"] as? Int == 2 && top[1]["failure"] as? Int == 1)
            let recent = try #require(json["recentTopModels"] as? [[String: Any]])
            #expect(recent.first?["model"] as? String == "llama3.2:1b")
            let trend = try #require(json["hourlyTrend"] as? [[String: Any]])
            #expect(trend.count == 24)
            #expect(trend.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) } == 7)
            #expect(trend.reduce(0) { $0 + ($1["failure"] as? Int ?? 0) } == 1)

            let body = try await gateway.request(.GET, "/admin/public-stats").body
            for secretThing in [secret, keyID, "alice-the-owner", "very-private-token-name", token] {
                #expect(!body.contains(secretThing), "public stats leak \(secretThing)")
            }
        }
    }

    @Test(
        "the other provider has its own numbers; an unknown provider is a 400; the rest of /admin still needs the token"
    )
    func providersAndAuth() async throws {
        try await withGateway { gateway in
            try await gateway.addKeys(["openrouter-public-key-1"], provider: "openrouter")
            let openrouter = try await gateway.request(.GET, "/admin/public-stats?provider=openrouter")
            #expect(openrouter.json["provider"] as? String == "openrouter")
            #expect((openrouter.json["global"] as? [String: Any])?["totalApiKeys"] as? Int == 1)
            let ollama = try await gateway.request(.GET, "/admin/public-stats")
            #expect((ollama.json["global"] as? [String: Any])?["totalApiKeys"] as? Int == 0)
            let unknown = try await gateway.request(.GET, "/admin/public-stats?provider=nope")
            #expect(unknown.status == 400)
            #expect(unknown.json["error"] is String)
            for path in ["/admin/stats", "/admin/api-keys", "/admin/tokens", "/admin/keys/stats"] {
                #expect(try await gateway.request(.GET, path).status == 401, "\(path)")
            }
        }
    }
}
