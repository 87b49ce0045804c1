import Foundation
import PoolCore
import Testing

@Suite("Probe outcomes")
struct ProbeOutcomeTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(
        "probe statuses are classified into the five outcome classes",
        arguments: [
            (200, ProbeOutcome.valid), (204, .valid), (401, .invalid(status: 401)), (403, .invalid(status: 403)),
            (402, .outOfCredit), (429, .rateLimited(retryAfter: nil)),
            (500, .upstreamError(reason: "upstream answered 500")),
            (502, .upstreamError(reason: "upstream answered 502")),
            (503, .upstreamError(reason: "upstream answered 503")),
            (400, .inconclusive(status: 400)), (404, .inconclusive(status: 404)), (422, .inconclusive(status: 422)),
        ])
    func classification(status: Int, expected: ProbeOutcome) {
        #expect(ProbeOutcome.classify(status: status, now: now) == expected)
    }

    @Test("a 429's Retry-After is kept in seconds")
    func retryAfter() {
        #expect(ProbeOutcome.classify(status: 429, retryAfter: "45", now: now) == .rateLimited(retryAfter: 45))
    }

    @Test(
        "only 2xx, 402 and 429 prove a key genuine",
        arguments: [
            (ProbeOutcome.valid, true), (.outOfCredit, true), (.rateLimited(retryAfter: 3), true),
            (.invalid(status: 401), false), (.upstreamError(reason: "timeout"), false),
            (.inconclusive(status: 404), false),
        ])
    func genuineness(outcome: ProbeOutcome, genuine: Bool) {
        #expect(outcome.keyIsGenuine == genuine)
    }

    @Test(
        "outcomes have stable API names",
        arguments: [
            (ProbeOutcome.valid, "valid"), (.invalid(status: 403), "invalid"), (.outOfCredit, "out_of_credit"),
            (.rateLimited(retryAfter: nil), "rate_limited"), (.upstreamError(reason: "x"), "upstream_error"),
            (.inconclusive(status: 404), "inconclusive"),
        ])
    func names(outcome: ProbeOutcome, name: String) {
        #expect(outcome.name == name)
    }
}
