import Foundation
import NIOHTTP1
import PoolCore
import Testing

@testable import PoolServer

/// Token policies, per-IP protection and the response cache on the proxied routes, over TCP against the mock
/// upstream (issue #15).
@Suite("Proxy: token limits, lock-out and response cache")
struct TokenLimitEnforcementTests {
    static let chat = #"{"model":"llama3.2:1b","messages":[{"role":"user","content":"hi"}]}"#

    /// A clock frozen 10 s into a minute: the limits' windows never turn during a test.
    static func frozen() -> ManualClock { ManualClock(Date(timeIntervalSince1970: 1_800_000_010)) }

    func token(_ gateway: TestGateway, _ policy: [String: Any]) async throws -> String {
        var body = policy
        body["name"] = "limited"
        let reply = try await gateway.admin(.POST, "/admin/tokens", json: body)
        #expect(reply.status == 201, "\(reply.body)")
        return try #require(reply.json["token"] as? String)
    }

    @Test(
        "rpm: exactly N succeed with x-ratelimit-* headers, then 429 with Retry-After in the route's dialect, never upstream",
        arguments: [
            ("/v1/chat/completions", chat, "openai"),
            (
                "/api/chat", #"{"model":"llama3.2:1b","stream":false,"messages":[{"role":"user","content":"hi"}]}"#,
                "ollama"
            ),
            ("/v1/messages", #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#, "anthropic"),
        ])
    func requestsPerMinute(path: String, body: String, dialect: String) async throws {
        try await withProxy(clock: Self.frozen()) { gateway, mock in
            try await gateway.addKeys(["ollama-limit-key-0001"])
            let token = try await token(gateway, ["rpm": 3])
            for remaining in [2, 1, 0] {
                let reply = try await gateway.request(.POST, path, token: token, body: body)
                #expect(reply.status == 200, "\(reply.body)")
                #expect(reply.header("x-ratelimit-limit-requests") == "3")
                #expect(reply.header("x-ratelimit-remaining-requests") == String(remaining))
                #expect(reply.header("x-ratelimit-reset-requests")?.hasSuffix("s") == true)
                #expect(reply.header("x-ratelimit-limit-tokens") == nil)
            }
            let upstreamBefore = mock.received.count
            let refused = try await gateway.request(.POST, path, token: token, body: body)
            #expect(refused.status == 429)
            let wait = try #require(refused.header("retry-after").flatMap(Int.init))
            #expect((1...60).contains(wait))
            #expect(refused.header("x-ratelimit-remaining-requests") == "0")
            switch dialect {
            case "openai":
                let error = try #require(refused.json["error"] as? [String: Any])
                #expect(error["code"] as? String == "rate_limit_exceeded")
            case "ollama":
                #expect((refused.json["error"] as? String)?.contains("rate limit") == true)
            default:
                #expect(refused.json["type"] as? String == "error")
                #expect((refused.json["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
            }
            #expect(mock.received.count == upstreamBefore)
        }
    }

    @Test("an unlimited token's answers carry no x-ratelimit header")
    func unlimited() async throws {
        try await withProxy(clock: Self.frozen()) { gateway, _ in
            try await gateway.addKeys(["ollama-limit-key-0002"])
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
            #expect(reply.status == 200)
            #expect(!reply.headers.contains { $0.name.lowercased().hasPrefix("x-ratelimit") })
        }
    }

    @Test("a model outside the allow-list is 403 naming it, before the upstream")
    func models() async throws {
        try await withProxy(clock: Self.frozen()) { gateway, mock in
            try await gateway.addKeys(["ollama-limit-key-0003"])
            let token = try await token(gateway, ["models": ["qwen*"]])
            let refused = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
            #expect(refused.status == 403)
            let error = try #require(refused.json["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("llama3.2:1b") == true)
            #expect(error["code"] as? String == "model_not_allowed")
            #expect(mock.received.isEmpty)
            let allowed = #"{"model":"qwen3","messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await gateway.request(.POST, "/v1/chat/completions", token: token, body: allowed).status == 200)
        }
    }

    @Test("tpm counts the tokens a stream reports: refused once the minute's tokens are spent")
    func streamedTokens() async throws {
        try await withProxy(clock: Self.frozen()) { gateway, _ in
            try await gateway.addKeys(["ollama-limit-key-0004"])
            let token = try await token(gateway, ["tpm": 20])
            let stream = #"{"model":"llama3.2:1b","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            _ = try await gateway.streamChunks("/v1/chat/completions", token: token, body: stream)
            // The mock's stream reports 11 prompt + 3 completion tokens.
            let second = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
            #expect(second.status == 200 && second.header("x-ratelimit-remaining-tokens") == "6")
            let third = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
            #expect(third.status == 429 && (third.json["error"] as? [String: Any])?["message"] is String)
        }
    }

    @Test("a daily request quota is 429 naming the quota, and opens again at midnight UTC (manual clock)")
    func quotaReset() async throws {
        let day = Int64(1_800_000_000) / 86_400 * 86_400
        let clock = ManualClock(Date(timeIntervalSince1970: Double(day + 86_400 - 30)))
        try await withProxy(clock: clock) { gateway, _ in
            try await gateway.addKeys(["ollama-limit-key-0005"])
            let token = try await token(gateway, ["request_quota": 2, "quota_period": "day"])
            for _ in 0..<2 {
                #expect(
                    try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat).status
                        == 200)
            }
            let refused = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
            #expect(refused.status == 429 && refused.header("retry-after") == "30")
            let error = try #require(refused.json["error"] as? [String: Any])
            #expect(error["code"] as? String == "insufficient_quota")
            #expect((error["message"] as? String)?.contains("request quota exhausted") == true)
            clock.advance(by: 30)
            #expect(
                try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat).status == 200)
        }
    }

    @Test("response cache: miss then hit for the same token and body, no cross-token hit, no-cache bypasses")
    func cache() async throws {
        try await withProxy(clock: Self.frozen(), { $0.clientLimits.responseCacheTTL = 60 }) { gateway, mock in
            try await gateway.addKeys(["ollama-limit-key-0006"])
            let a = try await gateway.createToken(name: "a")
            let b = try await gateway.createToken(name: "b")
            let first = try await gateway.request(.POST, "/v1/chat/completions", token: a, body: Self.chat)
            #expect(first.header("x-pool-cache") == "miss")
            let hit = try await gateway.request(.POST, "/v1/chat/completions", token: a, body: Self.chat)
            #expect(hit.status == 200 && hit.header("x-pool-cache") == "hit" && hit.body == first.body)
            #expect(hit.header("x-pool-attempts") == "0")
            #expect(mock.received.count == 1)
            let other = try await gateway.request(.POST, "/v1/chat/completions", token: b, body: Self.chat)
            #expect(other.header("x-pool-cache") == "miss" && mock.received.count == 2)
            let bypass = try await gateway.request(
                .POST, "/v1/chat/completions", token: a, headers: ["cache-control": "no-cache"], body: Self.chat)
            #expect(bypass.status == 200 && bypass.header("x-pool-cache") == nil && mock.received.count == 3)
            let stats = try await gateway.admin(.GET, "/admin/cache/stats")
            let responses = try #require(stats.json["responses"] as? [String: Any])
            #expect(responses["hits"] as? Int == 1 && responses["entries"] as? Int == 2)
        }
    }

    @Test("response cache: bounded by RESPONSE_CACHE_BYTES, the oldest answer goes")
    func cacheBound() async throws {
        try await withProxy(clock: Self.frozen(), {
            $0.clientLimits.responseCacheTTL = 60
            $0.clientLimits.responseCacheBytes = 6000
        }) { gateway, mock in
            // Answers of 4,000 bytes: one fits in the cache, two do not.
            let padding = String(repeating: "x", count: 4000)
            mock.setDefault(
                .status(
                    200,
                    body: #"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1},"pad":""# + padding + #""}"#
                ))
            try await gateway.addKeys(["ollama-limit-key-0007"])
            let token = try await gateway.createToken()
            let second = #"{"model":"llama3.2:1b","messages":[{"role":"user","content":"again"}]}"#
            _ = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
            _ = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: second)
            #expect(
                try await gateway.request(.POST, "/v1/chat/completions", token: token, body: second)
                    .header("x-pool-cache") == "hit")
            let stats = try await gateway.admin(.GET, "/admin/cache/stats")
            let responses = try #require(stats.json["responses"] as? [String: Any])
            #expect((responses["bytes"] as? Int ?? .max) <= 6000 && responses["evictions"] as? Int == 1)
            #expect(
                try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
                    .header("x-pool-cache") == "miss")
            #expect(mock.received.count == 3)
        }
    }

    @Test("wrong client tokens lock the address out (429 before auth); behind TRUSTED_PROXIES per forwarded client")
    func lockout() async throws {
        try await withProxy(clock: Self.frozen(), {
            $0.clientLimits.authFailuresPerMinute = 2
            $0.clientLimits.trustedProxies = try! TrustedProxies.parse("127.0.0.1").get()
        }) { gateway, mock in
            try await gateway.addKeys(["ollama-limit-key-0008"])
            let token = try await gateway.createToken()
            let forwarded = ["x-forwarded-for": "203.0.113.7"]
            for _ in 0..<3 {
                let wrong = try await gateway.request(
                    .POST, "/v1/chat/completions", token: "sk-wrong", headers: forwarded, body: Self.chat)
                #expect(wrong.status == 401)
            }
            let locked = try await gateway.request(
                .POST, "/v1/chat/completions", token: token, headers: forwarded, body: Self.chat)
            #expect(locked.status == 429 && locked.header("retry-after") == "300")
            #expect(!locked.body.contains(token))
            let other = try await gateway.request(
                .POST, "/v1/chat/completions", token: token, headers: ["x-forwarded-for": "198.51.100.9"],
                body: Self.chat)
            #expect(other.status == 200)
            #expect(mock.received.count == 1)
        }
    }

    @Test("IP_RPM limits every client address on the proxy routes")
    func ipRate() async throws {
        try await withProxy(clock: Self.frozen(), { $0.clientLimits.ipRequestsPerMinute = 2 }) { gateway, _ in
            try await gateway.addKeys(["ollama-limit-key-0009"])
            let token = try await gateway.createToken()
            for _ in 0..<2 {
                #expect(
                    try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat).status
                        == 200)
            }
            let refused = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
            #expect(refused.status == 429 && refused.header("retry-after") != nil)
        }
    }
}
