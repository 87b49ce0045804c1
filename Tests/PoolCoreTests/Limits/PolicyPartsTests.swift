import Foundation
import PoolCore
import Testing

@Suite("Token policy parts")
struct PolicyPartsTests {
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test(
        "quota periods start at midnight UTC, months by the calendar (leap years included)",
        arguments: [
            ("2027-01-15T10:20:30Z", QuotaPeriod.day, "2027-01-15T00:00:00Z", "2027-01-16T00:00:00Z"),
            ("2027-01-31T23:59:59Z", .month, "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"),
            ("2028-02-29T12:00:00Z", .month, "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"),
            ("2027-12-31T23:59:59Z", .month, "2027-12-01T00:00:00Z", "2028-01-01T00:00:00Z"),
            ("2100-03-01T00:00:00Z", .month, "2100-03-01T00:00:00Z", "2100-04-01T00:00:00Z"),
            ("1969-12-31T23:00:00Z", .day, "1969-12-31T00:00:00Z", "1970-01-01T00:00:00Z"),
        ])
    func periods(time: String, period: QuotaPeriod, start: String, end: String) {
        let bounds = period.bounds(containing: date(time))
        #expect(Date(timeIntervalSince1970: Double(bounds.start)) == date(start))
        #expect(Date(timeIntervalSince1970: Double(bounds.end)) == date(end))
    }

    @Test("every month of 400 years has the length Calendar gives it")
    func monthsAgreeWithCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var components = DateComponents(year: 1970, month: 1, day: 1)
        for _ in 0..<(400 * 12) {
            let start = calendar.date(from: components)!
            let bounds = QuotaPeriod.month.bounds(containing: start.addingTimeInterval(3600))
            #expect(Double(bounds.start) == start.timeIntervalSince1970)
            components.month! += 1
            #expect(Double(bounds.end) == calendar.date(from: components)!.timeIntervalSince1970)
        }
    }

    @Test("model lists: exact names, prefix* patterns, * for all, nil for all, empty for none")
    func models() {
        let list = ModelAllowList(["gpt-4o", "qwen*"])
        #expect(list.allows("gpt-4o") && !list.allows("gpt-4o-mini") && !list.allows("GPT-4o"))
        #expect(list.allows("qwen") && list.allows("qwen3-coder:480b") && !list.allows("llama3"))
        #expect(ModelAllowList(["*"]).allows("anything") && ModelAllowList(nil).allows("anything"))
        #expect(!ModelAllowList([]).allows("anything"))
        #expect(ModelAllowList.problem(with: "a*b") != nil && ModelAllowList.problem(with: "") != nil)
        #expect(ModelAllowList.problem(with: "qwen*") == nil)
    }

    @Test("a policy is stored as JSON with the API's field names and read back; junk reads as empty")
    func storage() throws {
        let policy = TokenPolicy(
            rpm: 60, tpm: 1000, requestQuota: 5, tokenQuota: 9, quotaPeriod: .month, models: ["qwen*"],
            cacheScope: .shared, cacheTTL: 30, note: "team a")
        let json = try #require(policy.storedJSON())
        for field in ["\"rpm\"", "\"tpm\"", "request_quota", "token_quota", "quota_period", "cache_scope", "note"] {
            #expect(json.contains(field))
        }
        #expect(TokenPolicy.fromStored(json) == policy)
        #expect(TokenPolicy().storedJSON() == nil)
        #expect(TokenPolicy.fromStored("{not json") == TokenPolicy() && TokenPolicy.fromStored(nil) == TokenPolicy())
        #expect(!policy.isUnlimited && TokenPolicy(models: ["x"], note: "n").isUnlimited)
    }

    @Test("defaults fill only what a policy leaves unset")
    func defaults() {
        let filled = TokenPolicy(rpm: 5).filled(from: TokenPolicy(rpm: 60, tpm: 100))
        #expect(filled.rpm == 5 && filled.tpm == 100 && filled.requestQuota == nil)
    }
}
