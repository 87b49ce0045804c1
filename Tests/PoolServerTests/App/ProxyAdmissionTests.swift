import Foundation
import PoolCore
import Testing

@testable import PoolServer

/// The synchronous checks the proxy front makes before spending a key (issue #15).
@Suite("Proxy admission")
struct ProxyAdmissionTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    func admission(_ configure: (inout ClientLimitsConfiguration) -> Void = { _ in }) -> ProxyAdmission {
        var limits = ClientLimitsConfiguration()
        configure(&limits)
        return ProxyAdmission(guards: ClientGuards(configuration: limits), clock: clock)
    }

    func token(_ policy: TokenPolicy, id: String = "tok_a") -> TokenRegistry.Entry {
        let registry = TokenRegistry(clock: clock)
        var record = ClientTokenFactory.make(
            name: "t", createdAt: clock.now, expiresAt: nil, provider: nil, policy: policy
        )
        .record
        record.id = id
        registry.add(record)
        return registry.entry(id: id)!
    }

    @Test("exactly rpm admitted with consistent headers, then 429 rate_limit_exceeded with Retry-After")
    func rpm() throws {
        let gate = admission()
        let entry = token(TokenPolicy(rpm: 3, tpm: 100))
        for remaining in [2, 1, 0] {
            let headers = try gate.admit(entry, model: "qwen3").get()
            let fields = Dictionary(
                uniqueKeysWithValues: ProxyAdmission.headerFields(headers).map { ($0.name, $0.value) })
            #expect(fields["x-ratelimit-limit-requests"] == "3")
            #expect(fields["x-ratelimit-remaining-requests"] == String(remaining))
            #expect(fields["x-ratelimit-reset-requests"] == "60s" && fields["x-ratelimit-limit-tokens"] == "100")
        }
        guard case .failure(let refusal) = gate.admit(entry, model: "qwen3") else {
            Issue.record("admitted past rpm")
            return
        }
        #expect(refusal.status == 429 && refusal.code == "rate_limit_exceeded" && refusal.retryAfter == 60)
        #expect(
            ProxyAdmission.headerFields(try gate.admit(token(TokenPolicy(), id: "tok_free"), model: nil).get()).isEmpty)
    }

    @Test("a model outside the list is 403 naming it, before any limit counts it")
    func models() throws {
        let gate = admission()
        let entry = token(TokenPolicy(rpm: 1, models: ["qwen*"]))
        guard case .failure(let refusal) = gate.admit(entry, model: "gpt-4o") else {
            Issue.record("admitted a model outside the list")
            return
        }
        #expect(refusal.status == 403 && refusal.message.contains("'gpt-4o'") && refusal.retryAfter == nil)
        _ = try gate.admit(entry, model: "qwen3-coder").get()
        _ = try gate.admit(token(TokenPolicy(models: ["qwen*"]), id: "tok_b"), model: nil).get()
    }

    @Test("an exhausted quota is 429 insufficient_quota saying which quota and when it resets")
    func quota() {
        let gate = admission()
        let entry = token(TokenPolicy(tokenQuota: 100, quotaPeriod: .day))
        _ = gate.admit(entry, model: nil)
        gate.record(entry, promptTokens: 60, completionTokens: 40)
        guard case .failure(let refusal) = gate.admit(entry, model: nil) else {
            Issue.record("admitted past the token quota")
            return
        }
        #expect(refusal.code == "insufficient_quota" && refusal.message.contains("token quota exhausted"))
        #expect(refusal.message.contains("per day") && refusal.message.contains("resets at"))
    }

    @Test("a locked-out or over-IP_RPM client is refused before authentication")
    func clients() {
        let gate = admission {
            $0.authFailuresPerMinute = 1
            $0.ipRequestsPerMinute = 2
        }
        #expect(gate.checkClient("198.51.100.1") == nil && gate.checkClient("198.51.100.1") == nil)
        #expect(gate.checkClient("198.51.100.1")?.retryAfter == 60)
        gate.recordAuthFailure("127.0.0.1")
        gate.recordAuthFailure("127.0.0.1")
        #expect(gate.checkClient("127.0.0.1")?.message.contains("failed authentications") == true)
    }

    @Test("cache keys: only with a TTL, cacheable routes, no stream and no no-cache; scoped per token unless shared")
    func cacheKeys() throws {
        let off = admission()
        let entry = token(TokenPolicy())
        #expect(
            off.cacheKey(
                entry, provider: .ollama, route: "/v1/chat/completions", stream: false, cacheControl: nil, body: [1])
                == nil)
        let gate = admission { $0.responseCacheTTL = 60 }
        let key = try #require(
            gate.cacheKey(
                entry, provider: .ollama, route: "/v1/chat/completions", stream: false, cacheControl: nil, body: [1]))
        #expect(
            gate.cacheKey(
                entry, provider: .ollama, route: "/v1/chat/completions", stream: true, cacheControl: nil, body: [1])
                == nil)
        #expect(
            gate.cacheKey(entry, provider: .ollama, route: "/v1/models", stream: false, cacheControl: nil, body: [1])
                == nil)
        #expect(
            gate.cacheKey(
                entry, provider: .ollama, route: "/v1/chat/completions", stream: false, cacheControl: "No-Cache",
                body: [1]) == nil)
        gate.store(CachedResponse(headers: [], body: [42]), for: key, token: entry)
        #expect(gate.cached(key)?.body == [42])
        let other = token(TokenPolicy(), id: "tok_other")
        let otherKey = try #require(
            gate.cacheKey(
                other, provider: .ollama, route: "/v1/chat/completions", stream: false, cacheControl: nil, body: [1]))
        #expect(gate.cached(otherKey) == nil)
        let sharedA = token(TokenPolicy(cacheScope: .shared), id: "tok_sa")
        let sharedB = token(TokenPolicy(cacheScope: .shared), id: "tok_sb")
        let keyA = try #require(
            gate.cacheKey(
                sharedA, provider: .ollama, route: "/v1/embeddings", stream: false, cacheControl: nil, body: [2]))
        gate.store(CachedResponse(headers: [], body: [7]), for: keyA, token: sharedA)
        let keyB = try #require(
            gate.cacheKey(
                sharedB, provider: .ollama, route: "/v1/embeddings", stream: false, cacheControl: nil, body: [2]))
        #expect(gate.cached(keyB)?.body == [7])
        let noCache = token(TokenPolicy(cacheTTL: 0), id: "tok_nc")
        #expect(
            gate.cacheKey(
                noCache, provider: .ollama, route: "/v1/embeddings", stream: false, cacheControl: nil, body: [2]) == nil
        )
    }
}
