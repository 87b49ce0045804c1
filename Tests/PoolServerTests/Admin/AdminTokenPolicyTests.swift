import Foundation
import Logging
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// Token policies through the admin API (issue #15): created with the token, changed with PATCH (null clears),
/// listed with their usage; settings give new tokens their defaults; bad values are 400s naming the field.
@Suite("Admin API: token policies")
struct AdminTokenPolicyTests {
    static let fullPolicy = """
        {"name": "team-a", "rpm": 60, "tpm": 10000, "request_quota": 1000, "token_quota": 5000000,
         "quota_period": "month", "models": ["qwen*", "gpt-4o"], "cache_scope": "shared", "cache_ttl": 30,
         "note": "the A team"}
        """
    static let fullValues = [
        "rpm": 60, "tpm": 10_000, "request_quota": 1000, "token_quota": 5_000_000, "cache_ttl": 30,
    ]

    @Test("POST takes every policy field, the answer and the list show them, and the store keeps them")
    func create() async throws {
        try await withRouterGateway { gateway in
            let created = try await gateway.request(
                .POST, "/admin/tokens", token: gateway.adminToken, body: Self.fullPolicy)
            #expect(created.status == 201)
            for (field, value) in Self.fullValues { #expect(created.json[field] as? Int == value, "\(field)") }
            #expect(created.json["quota_period"] as? String == "month")
            #expect(created.json["models"] as? [String] == ["qwen*", "gpt-4o"])
            #expect(
                created.json["cache_scope"] as? String == "shared" && created.json["note"] as? String == "the A team")
            let id = try #require(created.json["id"] as? String)

            let listed = try await gateway.admin(.GET, "/admin/tokens")
            let token = try #require((listed.json["tokens"] as? [[String: Any]])?.first)
            #expect(token["rpm"] as? Int == 60 && token["models"] as? [String] == ["qwen*", "gpt-4o"])
            let usage = try #require(token["usage"] as? [String: Any])
            #expect(usage["minute_requests"] as? Int == 0 && usage["period"] as? String == "month")
            #expect(usage["period_resets_at"] is String)

            let stored = try await gateway.gateway.store.loadSnapshot().tokens.first { $0.id == id }
            #expect(stored?.policy.rpm == 60 && stored?.policy.quotaPeriod == .month)
            #expect(stored?.policy.models == ["qwen*", "gpt-4o"])
        }
    }

    @Test("a token without policy fields is unlimited and shows none")
    func unlimited() async throws {
        try await withRouterGateway { gateway in
            let created = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "plain"])
            for field in ["rpm", "tpm", "request_quota", "token_quota", "quota_period", "models", "cache_scope"] {
                #expect(created.json[field] == nil, "\(field)")
            }
            let usage = try #require(
                ((try await gateway.admin(.GET, "/admin/tokens")).json["tokens"] as? [[String: Any]])?.first?["usage"]
                    as? [String: Any])
            #expect(usage["period"] as? String == "total" && usage["period_resets_at"] == nil)
        }
    }

    @Test("PATCH changes the fields it names, null clears one, the rest stay; the limiter follows at once")
    func patch() async throws {
        try await withRouterGateway { gateway in
            let created = try await gateway.request(
                .POST, "/admin/tokens", token: gateway.adminToken, body: Self.fullPolicy)
            let id = try #require(created.json["id"] as? String)
            let patched = try await gateway.admin(
                .PATCH, "/admin/tokens/\(id)", json: ["rpm": 5, "models": NSNull(), "note": "moved", "name": "team-b"])
            #expect(patched.status == 200)
            let token = try #require(patched.json["token"] as? [String: Any])
            #expect(token["rpm"] as? Int == 5 && token["models"] == nil && token["note"] as? String == "moved")
            #expect(token["tpm"] as? Int == 10_000 && token["name"] as? String == "team-b")

            let entry = try #require(gateway.gateway.tokens.entry(id: id))
            #expect(entry.limiter.policy.rpm == 5 && entry.allowedModels.isOpen)
            let stored = try await gateway.gateway.store.loadSnapshot().tokens.first { $0.id == id }
            #expect(stored?.policy.rpm == 5 && stored?.policy.models == nil && stored?.name == "team-b")

            let shown = try await gateway.admin(.GET, "/admin/client-tokens/\(id)")
            #expect((shown.json["token"] as? [String: Any])?["rpm"] as? Int == 5)
            #expect(try await gateway.admin(.PATCH, "/admin/tokens/tok_nope", json: ["rpm": 1]).status == 404)
            #expect(try await gateway.admin(.GET, "/admin/tokens/tok_nope").status == 404)
        }
    }

    @Test("usage counted by the limiter shows in the list (this minute and this period)")
    func usage() async throws {
        // Frozen: the minute cannot turn between counting and reading.
        try await withRouterGateway(clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_010))) { gateway in
            let created = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "u", "rpm": 10])
            let id = try #require(created.json["id"] as? String)
            let limiter = try #require(gateway.gateway.tokens.entry(id: id)).limiter
            for _ in 0..<3 { _ = limiter.admit(now: gateway.gateway.clock.now) }
            limiter.record(tokens: 120, now: gateway.gateway.clock.now)
            let usage = try #require(
                ((try await gateway.admin(.GET, "/admin/tokens")).json["tokens"] as? [[String: Any]])?.first?["usage"]
                    as? [String: Any])
            #expect(usage["minute_requests"] as? Int == 3 && usage["minute_tokens"] as? Int == 120)
            #expect(usage["period_requests"] as? Int == 3 && usage["period_tokens"] as? Int == 120)
        }
    }

    @Test("DEFAULT_TOKEN_* fill what a new token leaves out; an explicit null means unlimited")
    func defaults() async throws {
        var environment = GatewayConfiguration()
        try environment.apply(environment: [
            "DEFAULT_TOKEN_RPM": "30", "DEFAULT_TOKEN_TPM": "5000", "DEFAULT_TOKEN_QUOTA_PERIOD": "day",
        ])
        let defaults = environment.clientLimits.tokenDefaults
        try await withRouterGateway({ $0.clientLimits.tokenDefaults = defaults }) { gateway in
            let plain = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "a"])
            #expect(plain.json["rpm"] as? Int == 30 && plain.json["tpm"] as? Int == 5000)
            #expect(plain.json["quota_period"] as? String == "day")
            let own = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "b", "rpm": 100, "tpm": NSNull()])
            #expect(own.json["rpm"] as? Int == 100 && own.json["tpm"] == nil)
        }
        #expect(throws: ConfigurationError.self) {
            var configuration = GatewayConfiguration()
            try configuration.apply(environment: ["DEFAULT_TOKEN_QUOTA_PERIOD": "week"])
        }
        #expect(throws: ConfigurationError.self) {
            var configuration = GatewayConfiguration()
            try configuration.apply(environment: ["TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"])
        }
    }

    @Test(
        "bad policy values are 400s naming the field",
        arguments: [
            (#""rpm": -1"#, "rpm"), (#""rpm": 1.5"#, "rpm"), (#""tpm": "many""#, "tpm"),
            (#""request_quota": 1e15"#, "request_quota"), (#""quota_period": "week""#, "quota_period"),
            (#""models": "qwen*""#, "models"), (#""models": ["a*b"]"#, "models"), (#""models": [""]"#, "models"),
            (#""models": [1]"#, "models"), (#""cache_scope": "everyone""#, "cache_scope"),
            (#""cache_ttl": -5"#, "cache_ttl"), ("\"note\": \"\(String(repeating: "n", count: 1001))\"", "note"),
        ])
    func validation(fields: String, field: String) async throws {
        try await withRouterGateway { gateway in
            let created = try await gateway.request(
                .POST, "/admin/tokens", token: gateway.adminToken, body: "{\"name\": \"bad\", \(fields)}")
            #expect(created.status == 400)
            #expect((created.json["error"] as? String)?.contains(field) == true, "\(created.body)")
            let good = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "good"])
            let id = try #require(good.json["id"] as? String)
            let patched = try await gateway.request(
                .PATCH, "/admin/tokens/\(id)", token: gateway.adminToken, body: "{\(fields)}")
            #expect(patched.status == 400 && (patched.json["error"] as? String)?.contains(field) == true)
            #expect(try await gateway.admin(.GET, "/admin/tokens").json["total"] as? Int == 1)
        }
    }

    @Test("cache stats and clear cover both caches; a token's answers go with the token")
    func cache() async throws {
        try await withRouterGateway({ $0.clientLimits.responseCacheTTL = 60 }) { gateway in
            let created = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "c"])
            let id = try #require(created.json["id"] as? String)
            let cache = gateway.gateway.guards.responseCache
            let now = gateway.gateway.clock.now
            func key(_ token: String, _ provider: ProviderID) -> ResponseCacheKey {
                ResponseCacheKey(
                    tokenID: token, shared: false, provider: provider, route: "/v1/chat/completions", body: [1])
            }
            let answer = CachedResponse(headers: [], body: Array(repeating: 7, count: 100))
            cache.store(answer, for: key(id, .ollama), ttl: 60, now: now)
            cache.store(answer, for: key("tok_other", .ollama), ttl: 60, now: now)
            cache.store(answer, for: key("tok_other", .openrouter), ttl: 60, now: now)
            _ = cache.lookup(key(id, .ollama), now: now)

            let stats = try await gateway.admin(.GET, "/admin/cache/stats")
            #expect(stats.json["entries"] is [Any] && stats.json["hits"] is Int)  // the model lists, as before
            let responses = try #require(stats.json["responses"] as? [String: Any])
            #expect(responses["entries"] as? Int == 3 && responses["hits"] as? Int == 1)
            #expect(
                responses["ttl_seconds"] as? Double == 60 && responses["capacity_bytes"] as? Int == 64 * 1024 * 1024)

            let byProvider = try await gateway.admin(.POST, "/admin/cache/clear", json: ["provider": "openrouter"])
            #expect(byProvider.json["responses"] as? Int == 1)
            let byToken = try await gateway.admin(.POST, "/admin/cache/clear?token=tok_other")
            #expect(byToken.json["responses"] as? Int == 1 && byToken.json["models"] as? Int == 0)
            _ = try await gateway.admin(.DELETE, "/admin/tokens/\(id)")
            #expect(cache.statistics().entries == 0)
        }
    }

    @Test("a policy changed by another writer reaches the running gateway through the change log, usage kept")
    func changeFeed() async throws {
        let passphrase = "token-feed-passphrase-0123456789"
        try await withGateway({ $0.persistence.encryptionKey = passphrase }) { gateway in
            let created = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "fed", "rpm": 10])
            let id = try #require(created.json["id"] as? String)
            _ = try await gateway.request(.GET, "/v1/models", token: created.json["token"] as? String)
            let path = gateway.directory.appendingPathComponent("pool.sqlite").path
            let other = try SQLiteStore(
                path: path, cipher: SecretCipher(passphrase: passphrase), logger: .init(label: "other"))
            var record = try #require(try await other.loadSnapshot().tokens.first { $0.id == id })
            record.policy.rpm = 3
            record.policy.models = ["llama*"]
            #expect(try await other.updateToken(record))
            try await other.close()
            var seen: [String: Any] = [:]
            for _ in 0..<100 {
                let listed = try await gateway.admin(.GET, "/admin/tokens")
                seen = (listed.json["tokens"] as? [[String: Any]])?.first ?? [:]
                if seen["rpm"] as? Int == 3 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(seen["rpm"] as? Int == 3 && seen["models"] as? [String] == ["llama*"])
            #expect(seen["request_count"] as? Int == 1)
        }
    }
}
