import Foundation
import PoolCore
import Testing

@Suite("Request log: query parameters")
struct RequestQueryTests {
    @Test("statuses read as a code, a class or 'error'")
    func statuses() throws {
        #expect(try RequestListQuery.parseStatus("429") == .code(429))
        #expect(try RequestListQuery.parseStatus("4xx") == .statusClass(4))
        #expect(try RequestListQuery.parseStatus("5XX") == .statusClass(5))
        #expect(try RequestListQuery.parseStatus("error") == .error)
        for bad in ["42", "600", "6xx", "oops", "2x"] {
            #expect(throws: RequestQueryError.self) { try RequestListQuery.parseStatus(bad) }
        }
    }

    @Test("times read as ISO 8601 or Unix seconds")
    func times() {
        let expected = Date(timeIntervalSince1970: 1_765_000_800)
        #expect(RequestTime.parse("1765000800") == expected)
        #expect(RequestTime.parse("2025-12-06T06:00:00Z") == expected)
        #expect(RequestTime.parse("2025-12-06T07:00:00+01:00") == expected)
        #expect(RequestTime.parse("2025-12-06T06:00:00.250Z") == expected.addingTimeInterval(0.25))
        #expect(RequestTime.parse("2025-12-06") == Date(timeIntervalSince1970: 1_764_979_200))
        #expect(RequestTime.parse("yesterday") == nil)
        #expect(RequestTime.parse("") == nil)
        #expect(RequestTime.format(expected.addingTimeInterval(0.123)) == "2025-12-06T06:00:00.123Z")
    }

    @Test("a whole query: every filter, the limit and the cursor")
    func wholeQuery() throws {
        let cursor = RequestCursor(startedAt: 1_765_000_000.125, id: "req|with|bars")
        #expect(RequestCursor(text: cursor.text) == cursor)
        let query = try RequestListQuery.parse([
            "token": "t_1", "key": "k_1", "model": "m", "provider": "OpenRouter", "status": "5xx",
            "since": "1765000000", "until": "2025-12-07T00:00:00Z", "q": "fail", "limit": "20",
            "cursor": cursor.text, "other": "ignored",
        ])
        #expect(query.filter.tokenID == "t_1")
        #expect(query.filter.keyID == "k_1")
        #expect(query.filter.model == "m")
        #expect(query.filter.provider == .openrouter)
        #expect(query.filter.status == .statusClass(5))
        #expect(query.filter.since == Date(timeIntervalSince1970: 1_765_000_000))
        #expect(query.filter.until == Date(timeIntervalSince1970: 1_765_065_600))
        #expect(query.filter.text == "fail")
        #expect(query.limit == 20)
        #expect(query.cursor == cursor)
        #expect(try RequestListQuery.parse([:]) == RequestListQuery())
        #expect(try RequestListQuery.parse(["token": "", "limit": ""]) == RequestListQuery())
    }

    @Test(
        "bad parameters are refused with a message naming them",
        arguments: [
            ["limit": "0"], ["limit": "501"], ["limit": "ten"], ["cursor": "!!"], ["since": "soon"],
            ["until": "2025-13-45"], ["provider": "acme"], ["status": "teapot"],
            ["since": "1765000100", "until": "1765000000"],
        ])
    func badParameters(_ parameters: [String: String]) {
        #expect(throws: RequestQueryError.self) { try RequestListQuery.parse(parameters) }
        do {
            _ = try RequestListQuery.parse(parameters)
        } catch {
            #expect(parameters.keys.contains { error.message.contains($0) }, "\(error.message)")
        }
    }

    @Test("usage queries default to the last seven days by token and day")
    func usageDefaults() throws {
        let now = Date(timeIntervalSince1970: 1_765_000_000)
        let query = try UsageQuery.parse([:], now: now)
        #expect(query.by == .token)
        #expect(query.period == .day)
        #expect(query.until == now)
        #expect(query.since == now.addingTimeInterval(-7 * 86_400))
        let hourly = try UsageQuery.parse(["by": "model", "period": "hour", "since": "1764990000"], now: now)
        #expect(hourly.by == .model && hourly.period == .hour)
        #expect(hourly.since == Date(timeIntervalSince1970: 1_764_990_000))
        #expect(throws: RequestQueryError.self) { try UsageQuery.parse(["by": "user"], now: now) }
        #expect(throws: RequestQueryError.self) { try UsageQuery.parse(["period": "week"], now: now) }
    }
}
