import Foundation
import PoolCore
import PoolStore
import Testing

/// The request log's part of the store contract, on every store: what is appended reads back whole, filtered,
/// paged newest first, summed into usage rows, and pruned by age.
@Suite("Every store: the request log")
struct RequestLogContractTests {
    static let base = 1_765_000_000.0

    static func record(
        _ id: String, second: Double, token: String? = "t_1", model: String? = "m1", status: Int = 200,
        keys: [String] = ["k_1"], error: String? = nil, provider: ProviderID = .ollama, body: String? = nil
    ) -> RequestRecord {
        RequestRecord(
            id: id, startedAt: Date(timeIntervalSince1970: base + second), tokenID: token,
            tokenName: token.map { "Name \($0)" }, provider: provider, route: "/v1/chat/completions", model: model,
            stream: second.truncatingRemainder(dividingBy: 2) == 0, status: status, seconds: 0.25,
            firstByteSeconds: 0.125, upstreamSeconds: 0.2,
            attempts: keys.enumerated().map { index, key in
                RequestRecord.Attempt(
                    keyID: key, result: index == keys.count - 1 ? .success : .rateLimited,
                    status: index == keys.count - 1 ? 200 : 429, seconds: 0.1,
                    error: index == keys.count - 1 ? nil : "the key is rate-limited (429)")
            },
            promptTokens: 3, completionTokens: 4, cached: false, error: error, body: body)
    }

    static let records: [RequestRecord] = [
        record("a", second: 0, body: #"{"model":"m1","messages":[]}"#),
        record("b", second: 1, token: "t_2", status: 429, keys: ["k_2", "k_1"]),
        record("c", second: 2, model: "Qwen", status: 502, keys: ["k_3"], error: "The Upstream Failed"),
        record("d", second: 3, token: nil, model: nil, status: 401, keys: [], error: "missing token"),
        record("e", second: 4000, provider: .openrouter),
        // Same start time as "e": told apart by id.
        record("f", second: 4000, model: "m2"),
    ]

    @Test("records read back whole, newest first", arguments: StoreKind.tested)
    func roundTrip(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.appendRequestLog(Array(Self.records.prefix(3)))
            try await store.appendRequestLog(Array(Self.records.dropFirst(3)))
            let all = try await store.requestLog(RequestFilter(), limit: 100, before: nil)
            #expect(all == Self.records.reversed())
        }
    }

    @Test(
        "attempts with awkward text (quotes, backslashes, control characters, emoji) read back unchanged",
        arguments: StoreKind.tested)
    func awkwardText(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var record = Self.record("odd", second: 0, keys: (1...7).map { "k_\($0)" })
            record.attempts[0].error = "say \"no\"\\ then\n\t\u{1}end — ok 🙂"
            // Statuses of every width the JSON writer spells digit by digit, zero, none and the extremes included.
            let statuses: [Int?] = [Int.min, 0, 7, 40, nil, 503, Int.max]
            for (index, status) in statuses.enumerated() { record.attempts[index].status = status }
            record.attempts[1].seconds = 0.000_012_5
            record.attempts[3].seconds = 1e-300
            record.attempts[4].seconds = 123_456.789
            record.error = "line\nbreak \"quoted\""
            try await store.appendRequestLog([record])
            #expect(try await store.requestLog(RequestFilter(), limit: 1, before: nil) == [record])
        }
    }

    @Test(
        "a batch of rows with text of every length, long bodies included, reads back row for row",
        arguments: StoreKind.tested)
    func batchOfMixedLengths(kind: StoreKind) async throws {
        try await kind.withStore { store in
            // The SQLite writer copies a row's text into one buffer and binds it in place; longer text than the
            // buffer has left is bound by copy. Rows of changing lengths catch a value read from the wrong place.
            let records = (0..<40).map { index in
                var record = Self.record("row-\(index)", second: Double(index), keys: ["k_\(index)", "k_x"])
                record.body = String(repeating: "b\(index % 10)", count: [0, 3, 2_000, 33_000][index % 4])
                record.error = index % 3 == 0 ? String(repeating: "e", count: index * 50) : nil
                record.model = String(repeating: "m", count: 1 + index % 7)
                return record
            }
            try await store.appendRequestLog(records)
            let stored = try await store.requestLog(RequestFilter(), limit: 100, before: nil)
            #expect(stored == records.reversed())
        }
    }

    @Test(
        "text columns keep empty text apart from none, and every other value as given (values are bound by hand)",
        arguments: StoreKind.tested)
    func emptyAndAbsentText(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var empty = Self.record("empty", second: 0, keys: ["k_1"])
            empty.tokenName = ""
            empty.error = ""
            empty.model = "模型-ü"
            empty.body = ""
            empty.firstByteSeconds = nil
            empty.promptTokens = 0
            empty.completionTokens = nil
            var absent = Self.record("absent", second: 1, keys: [])
            absent.tokenID = nil
            absent.tokenName = nil
            absent.model = nil
            absent.error = nil
            absent.body = nil
            absent.stream = true
            absent.cached = true
            try await store.appendRequestLog([empty, absent])
            #expect(try await store.requestLog(RequestFilter(), limit: 2, before: nil) == [absent, empty])
        }
    }

    @Test("each filter narrows the records as the memory ring's filter does", arguments: StoreKind.tested)
    func filters(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.appendRequestLog(Self.records)
            let filters: [RequestFilter] = [
                RequestFilter(tokenID: "t_2"), RequestFilter(keyID: "k_1"), RequestFilter(keyID: "k_"),
                RequestFilter(model: "Qwen"), RequestFilter(provider: .openrouter), RequestFilter(status: .code(429)),
                RequestFilter(status: .statusClass(2)), RequestFilter(status: .error),
                RequestFilter(
                    since: Date(timeIntervalSince1970: Self.base + 1), until: Date(timeIntervalSince1970: Self.base + 3)
                ),
                RequestFilter(text: "upstream failed"), RequestFilter(text: "QWEN"), RequestFilter(text: "name t_2"),
                RequestFilter(tokenID: "t_1", status: .statusClass(2), text: "f"),
            ]
            for filter in filters {
                let expected = Self.records.filter(filter.matches).reversed().map(\.id)
                let stored = try await store.requestLog(filter, limit: 100, before: nil).map(\.id)
                #expect(stored == Array(expected), "\(filter)")
            }
            #expect(try await store.requestLog(RequestFilter(keyID: "k_"), limit: 100, before: nil).isEmpty)
        }
    }

    @Test("pages follow the cursor to the end, none skipped or repeated", arguments: StoreKind.tested)
    func paging(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.appendRequestLog(Self.records)
            var seen: [String] = []
            var cursor: RequestCursor?
            repeat {
                let candidates = try await store.requestLog(RequestFilter(), limit: 3, before: cursor)
                let page = RequestPage(candidates: candidates, limit: 2)
                seen += page.records.map(\.id)
                cursor = page.nextCursor.flatMap { RequestCursor(text: $0.text) }
            } while cursor != nil
            #expect(seen == ["f", "e", "d", "c", "b", "a"])
        }
    }

    @Test(
        "times of day to the microsecond read back equal, and page by cursor without repeats",
        arguments: StoreKind.tested)
    func microseconds(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let now = Date()
            let records = (0..<5).map { index in
                var record = Self.record("now-\(index)", second: 0)
                // Distinct microseconds whose seconds since 1970 are no exact binary fraction.
                record.startedAt = RequestTime.normalized(now.addingTimeInterval(Double(index) * 0.000_123_457))
                return record
            }
            try await store.appendRequestLog(records)
            #expect(try await store.requestLog(RequestFilter(), limit: 10, before: nil) == records.reversed())
            var seen: [String] = []
            var cursor: RequestCursor?
            repeat {
                let page = RequestPage(
                    candidates: try await store.requestLog(RequestFilter(), limit: 2, before: cursor), limit: 1)
                seen += page.records.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == records.reversed().map(\.id))
            let since = RequestFilter(since: records[2].startedAt)
            #expect(try await store.requestLog(since, limit: 10, before: nil).map(\.id) == ["now-4", "now-3", "now-2"])
        }
    }

    @Test("usage sums by token, key and model in day and hour buckets", arguments: StoreKind.tested)
    func usage(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.appendRequestLog(Self.records)
            for by in UsageQuery.Grouping.allCases {
                for period in UsageQuery.Period.allCases {
                    let query = UsageQuery(
                        by: by, period: period, since: Date(timeIntervalSince1970: Self.base - 10),
                        until: Date(timeIntervalSince1970: Self.base + 4000))
                    var expected = UsageAggregator(query)
                    for record in Self.records { expected.add(record) }
                    #expect(try await store.requestUsage(query) == expected.result, "\(by) \(period)")
                }
            }
            let byToken = try await store.requestUsage(
                UsageQuery(
                    by: .token, period: .day, since: Date(timeIntervalSince1970: Self.base - 10),
                    until: Date(timeIntervalSince1970: Self.base + 5000), provider: .ollama))
            #expect(byToken.map(\.id) == ["(none)", "t_1", "t_2"])
            #expect(byToken.map(\.requests) == [1, 3, 1])
            #expect(byToken.map(\.failed) == [1, 1, 0])
            #expect(byToken.first { $0.id == "t_1" }?.name == "Name t_1")
        }
    }

    @Test("pruning deletes what started before the cutoff and nothing else", arguments: StoreKind.tested)
    func prune(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.appendRequestLog(Self.records)
            let deleted = try await store.pruneRequestLog(before: Date(timeIntervalSince1970: Self.base + 2))
            #expect(deleted == 2)
            let left = try await store.requestLog(RequestFilter(), limit: 100, before: nil).map(\.id)
            #expect(left == ["f", "e", "d", "c"])
            #expect(try await store.pruneRequestLog(before: Date(timeIntervalSince1970: Self.base)) == 0)
        }
    }
}
