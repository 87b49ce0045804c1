import Foundation
import PoolCore
import Testing

/// A record started `second` seconds after a fixed time.
func requestRecord(
    _ id: String, second: Double, token: String? = "t_1", model: String? = "m", status: Int = 200,
    keys: [String] = ["k_1"], error: String? = nil, provider: ProviderID = .ollama
) -> RequestRecord {
    RequestRecord(
        id: id, startedAt: Date(timeIntervalSince1970: 1_765_000_000 + second), tokenID: token,
        tokenName: token.map { "name-\($0)" }, provider: provider, route: "/v1/chat/completions", model: model,
        status: status,
        attempts: keys.map { RequestRecord.Attempt(keyID: $0, result: .success, status: 200, seconds: 0.1) },
        promptTokens: 3, completionTokens: 4, error: error)
}

@Suite("Request log: the memory ring and its pages")
struct RequestRingTests {
    @Test("the ring keeps the last `capacity` records, the oldest overwritten first")
    func boundedRing() {
        var ring = RequestRing(capacity: 3)
        for index in 0..<5 { ring.append(requestRecord("r\(index)", second: Double(index))) }
        #expect(ring.count == 3)
        #expect(ring.records.map(\.id) == ["r2", "r3", "r4"])
        var none = RequestRing(capacity: 0)
        none.append(requestRecord("r", second: 0))
        #expect(none.count == 0)
    }

    @Test("pages are newest first by start time (not by arrival) and carry on stably while new records arrive")
    func pagingIsStable() throws {
        var ring = RequestRing(capacity: 100)
        // Appended as requests end: a long stream that started first ends last.
        for index in [1, 2, 3, 4, 0] { ring.append(requestRecord("r\(index)", second: Double(index))) }
        let first = ring.page(RequestFilter(), limit: 2, before: nil)
        #expect(first.records.map(\.id) == ["r4", "r3"])
        let cursor = try #require(first.nextCursor)
        ring.append(requestRecord("new", second: 10))
        let second = ring.page(RequestFilter(), limit: 2, before: RequestCursor(text: cursor.text))
        #expect(second.records.map(\.id) == ["r2", "r1"])
        let third = ring.page(RequestFilter(), limit: 2, before: second.nextCursor)
        #expect(third.records.map(\.id) == ["r0"])
        #expect(third.nextCursor == nil)
    }

    @Test("records with the same start time are told apart by id, none skipped or repeated across pages")
    func sameStartTime() {
        var ring = RequestRing(capacity: 100)
        for id in ["a", "b", "c", "d", "e"] { ring.append(requestRecord(id, second: 5)) }
        var seen: [String] = []
        var cursor: RequestCursor?
        repeat {
            let page = ring.page(RequestFilter(), limit: 2, before: cursor)
            seen += page.records.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == ["e", "d", "c", "b", "a"])
    }

    @Test("the filter's fields each narrow the page")
    func filters() {
        var ring = RequestRing(capacity: 100)
        ring.append(requestRecord("ok", second: 1))
        ring.append(requestRecord("limited", second: 2, token: "t_2", status: 429, keys: ["k_2", "k_1"]))
        ring.append(
            requestRecord("broken", second: 3, model: "Qwen", status: 502, keys: ["k_3"], error: "Upstream Failed"))
        ring.append(requestRecord("routed", second: 4, provider: .openrouter))
        func ids(_ filter: RequestFilter) -> [String] { ring.page(filter, limit: 10, before: nil).records.map(\.id) }
        #expect(ids(RequestFilter(tokenID: "t_2")) == ["limited"])
        #expect(ids(RequestFilter(keyID: "k_1")) == ["routed", "limited", "ok"])
        #expect(ids(RequestFilter(model: "Qwen")) == ["broken"])
        #expect(ids(RequestFilter(provider: .openrouter)) == ["routed"])
        #expect(ids(RequestFilter(status: .code(429))) == ["limited"])
        #expect(ids(RequestFilter(status: .statusClass(5))) == ["broken"])
        #expect(ids(RequestFilter(status: .error)) == ["broken", "limited"])
        #expect(ids(RequestFilter(status: .statusClass(2))) == ["routed", "ok"])
        let base = 1_765_000_000.0
        #expect(
            ids(
                RequestFilter(
                    since: Date(timeIntervalSince1970: base + 2), until: Date(timeIntervalSince1970: base + 4)))
                == ["broken", "limited"])
        #expect(ids(RequestFilter(text: "upstream failed")) == ["broken"])
        #expect(ids(RequestFilter(text: "qwen")) == ["broken"])
        #expect(ids(RequestFilter(text: "NAME-T_2")) == ["limited"])
        #expect(ids(RequestFilter(text: "rout")) == ["routed"])
    }
}
