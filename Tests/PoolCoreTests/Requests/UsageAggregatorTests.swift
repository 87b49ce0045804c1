import Foundation
import PoolCore
import Testing

@Suite("Request log: usage summaries")
struct UsageAggregatorTests {
    let base = 1_765_000_000.0  // 2025-12-06T05:46:40Z

    func query(_ by: UsageQuery.Grouping, _ period: UsageQuery.Period) -> UsageQuery {
        UsageQuery(
            by: by, period: period, since: Date(timeIntervalSince1970: base - 86_400),
            until: Date(timeIntervalSince1970: base + 86_400))
    }

    var records: [RequestRecord] {
        [
            requestRecord("a", second: 0, token: "t_1", model: "m1", keys: ["k_1"]),
            requestRecord("b", second: 60, token: "t_1", model: "m2", status: 502, keys: ["k_1", "k_2"]),
            requestRecord("c", second: 4000, token: "t_2", model: nil, status: 429, keys: [], error: "limited"),
            requestRecord("d", second: 70_000, token: nil, model: "m1", keys: ["k_2"]),
            // Outside the range: not counted.
            requestRecord("e", second: 90_000, token: "t_1", model: "m1"),
        ]
    }

    func rows(_ query: UsageQuery) -> [UsageRow] {
        var aggregator = UsageAggregator(query)
        for record in records { aggregator.add(record) }
        return aggregator.result
    }

    @Test("by token and day: requests, failures (5xx or the gateway's error) and tokens per bucket")
    func byTokenAndDay() {
        let day = Date(timeIntervalSince1970: 1_764_979_200)
        let next = day.addingTimeInterval(86_400)
        #expect(
            rows(query(.token, .day)) == [
                UsageRow(
                    bucket: day, id: "t_1", name: "name-t_1", requests: 2, failed: 1, promptTokens: 6,
                    completionTokens: 8),
                UsageRow(
                    bucket: day, id: "t_2", name: "name-t_2", requests: 1, failed: 1, promptTokens: 3,
                    completionTokens: 4),
                UsageRow(
                    bucket: next, id: "(none)", name: nil, requests: 1, failed: 0, promptTokens: 3,
                    completionTokens: 4),
            ])
    }

    @Test("by key: the key that answered (the last attempt's); by model: the model, or (none)")
    func byKeyAndModel() {
        let byKey = rows(query(.key, .day))
        #expect(byKey.map(\.id) == ["(none)", "k_1", "k_2", "k_2"])
        #expect(byKey.map(\.requests) == [1, 1, 1, 1])
        #expect(byKey.allSatisfy { $0.name == nil })
        let byModel = rows(query(.model, .hour))
        #expect(byModel.map(\.id) == ["m1", "m2", "(none)", "m1"])
        #expect(byModel.map(\.name) == ["m1", "m2", "(none)", "m1"])
        #expect(byModel[0].bucket == Date(timeIntervalSince1970: 1_764_997_200))
        #expect(byModel[2].bucket == Date(timeIntervalSince1970: 1_765_000_800))
    }

    @Test("rows summed elsewhere add up with records")
    func mergesRows() {
        var aggregator = UsageAggregator(query(.token, .day))
        let day = Date(timeIntervalSince1970: 1_764_979_200)
        aggregator.add(UsageRow(bucket: day, id: "t_1", name: nil, requests: 5, failed: 2, promptTokens: 10))
        aggregator.add(requestRecord("a", second: 0, token: "t_1"))
        #expect(
            aggregator.result == [
                UsageRow(
                    bucket: day, id: "t_1", name: "name-t_1", requests: 6, failed: 2, promptTokens: 13,
                    completionTokens: 4)
            ])
    }
}
