import Foundation
import PoolCore
import Testing

@Suite("Response cache")
struct ResponseCacheTests {
    let clock = ManualClock()

    func key(
        _ token: String = "tok_a", shared: Bool = false, provider: ProviderID = .ollama, body: String = "{}"
    )
        -> ResponseCacheKey
    {
        ResponseCacheKey(
            tokenID: token, shared: shared, provider: provider, route: "/v1/chat/completions", body: Array(body.utf8))
    }

    func answer(_ size: Int, _ fill: UInt8 = 1) -> CachedResponse {
        CachedResponse(
            headers: [.init(name: "content-type", value: "application/json")], body: Array(repeating: fill, count: size)
        )
    }

    @Test("a stored answer is a hit for the same token, route and body; anything else misses")
    func keying() {
        let cache = ResponseCache(capacityBytes: 1 << 20)
        cache.store(answer(10), for: key(), ttl: 60, now: clock.now)
        #expect(cache.lookup(key(), now: clock.now) == answer(10))
        #expect(cache.lookup(key("tok_b"), now: clock.now) == nil)
        #expect(cache.lookup(key(body: "{ }"), now: clock.now) == nil)
        #expect(cache.lookup(key(provider: .openrouter), now: clock.now) == nil)
        let stats = cache.statistics()
        #expect(stats.hits == 1 && stats.misses == 3 && stats.entries == 1 && stats.stores == 1)
    }

    @Test("shared answers are found by every shared token and by no token-scoped one")
    func sharedScope() {
        let cache = ResponseCache(capacityBytes: 1 << 20)
        cache.store(answer(10), for: key("tok_a", shared: true), ttl: 60, now: clock.now)
        #expect(cache.lookup(key("tok_b", shared: true), now: clock.now) != nil)
        #expect(cache.lookup(key("tok_a"), now: clock.now) == nil)
    }

    @Test("entries expire after their TTL; a TTL of 0 stores nothing")
    func ttl() {
        let cache = ResponseCache(capacityBytes: 1 << 20)
        cache.store(answer(10), for: key(), ttl: 5, now: clock.now)
        #expect(!cache.store(answer(10), for: key("other"), ttl: 0, now: clock.now))
        clock.advance(by: 4.9)
        #expect(cache.lookup(key(), now: clock.now) != nil)
        clock.advance(by: 0.1)
        #expect(cache.lookup(key(), now: clock.now) == nil)
        #expect(cache.statistics().expired == 1 && cache.statistics().entries == 0 && cache.statistics().bytes == 0)
    }

    @Test("bounded by bytes: the least recently used go first; a lookup refreshes; too large is not kept")
    func lru() {
        let one = answer(1000).headers.reduce(1000 + 160) { $0 + $1.name.utf8.count + $1.value.utf8.count + 16 }
        let cache = ResponseCache(capacityBytes: one * 3)
        for index in 0..<3 { cache.store(answer(1000), for: key(body: "\(index)"), ttl: 60, now: clock.now) }
        #expect(cache.statistics().bytes == one * 3)
        _ = cache.lookup(key(body: "0"), now: clock.now)  // 1 is now the oldest
        cache.store(answer(1000), for: key(body: "3"), ttl: 60, now: clock.now)
        #expect(cache.lookup(key(body: "1"), now: clock.now) == nil)
        #expect(cache.lookup(key(body: "0"), now: clock.now) != nil)
        #expect(cache.lookup(key(body: "2"), now: clock.now) != nil)
        #expect(cache.lookup(key(body: "3"), now: clock.now) != nil)
        #expect(cache.statistics().evictions == 1 && cache.statistics().bytes <= one * 3)
        #expect(!cache.store(answer(one * 3), for: key(body: "huge"), ttl: 60, now: clock.now))
    }

    @Test("many stores never exceed the byte bound and the bookkeeping stays consistent")
    func churn() {
        let cache = ResponseCache(capacityBytes: 50_000)
        var generator = SystemRandomNumberGenerator()
        for index in 0..<5000 {
            let size = Int.random(in: 0...3000, using: &generator)
            cache.store(answer(size), for: key(body: "\(index % 300)"), ttl: 60, now: clock.now)
            _ = cache.lookup(key(body: "\(Int.random(in: 0..<300, using: &generator))"), now: clock.now)
            #expect(cache.statistics().bytes <= 50_000)
        }
        let entries = cache.statistics().entries
        #expect(entries > 0 && cache.clear() == entries)
        #expect(cache.statistics().bytes == 0)
    }

    @Test("clear by provider, by token, or all")
    func clear() {
        let cache = ResponseCache(capacityBytes: 1 << 20)
        cache.store(answer(1), for: key("a"), ttl: 60, now: clock.now)
        cache.store(answer(1), for: key("b"), ttl: 60, now: clock.now)
        cache.store(answer(1), for: key("a", provider: .openrouter), ttl: 60, now: clock.now)
        #expect(cache.clear(provider: .openrouter) == 1)
        #expect(cache.clear(tokenID: "a") == 1)
        #expect(cache.clear() == 1)
        #expect(cache.statistics().entries == 0)
    }
}
