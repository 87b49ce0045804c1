import Foundation
import PoolCore
import Testing

@Suite("Traffic counters")
struct TrafficCountersTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var hourStart: Int { Int(now.timeIntervalSince1970) / 3600 * 3600 }

    @Test("each request counts once, in its one category; failures are every non-success")
    func categories() {
        let traffic = TrafficCounters()
        let results: [RequestResult] = [
            .success, .success, .success, .clientError, .clientError, .upstreamFailure, .refused(.noKey),
            .refused(.noKey), .refused(.auth), .refused(.modelNotFound),
        ]
        for result in results { traffic.record(provider: .ollama, model: "llama3", result: result, at: now) }
        let totals = traffic.totals(provider: .ollama)
        #expect(
            totals
                == GlobalStatsRecord(
                    provider: .ollama, requests: 10, successes: 3, failures: 7, clientErrors: 2, upstreamFailures: 1,
                    refusals: [.noKey: 2, .auth: 1, .modelNotFound: 1]))
        #expect(totals.refused == 4)
        #expect(totals.unclassifiedFailures == 0)
        #expect(totals.successRate == 0.75)
        #expect(
            traffic.modelHours(provider: .ollama, since: .distantPast) == [
                ModelHourRecord(
                    provider: .ollama, model: "llama3", hourStart: hourStart, requests: 10, successes: 3, failures: 7,
                    clientErrors: 2, upstreamFailures: 1, refused: 4)
            ])
        #expect(traffic.totals(provider: .openrouter) == GlobalStatsRecord(provider: .openrouter))
    }

    @Test("a request that named no model is counted under the no-model marker, apart from a model named unknown")
    func noModel() {
        let traffic = TrafficCounters()
        traffic.record(provider: .ollama, model: nil, result: .clientError, at: now)
        traffic.record(provider: .ollama, model: "unknown", result: .success, at: now)
        let hours = traffic.modelHours(provider: .ollama, since: .distantPast).sorted { $0.model < $1.model }
        #expect(hours.map(\.model) == [ModelHourRecord.noModel, "unknown"])
        #expect(hours.map(\.clientErrors) == [1, 0])
        #expect(hours.map(\.successes) == [0, 1])
    }

    @Test("a refusal before the model is known counts in the totals only")
    func withoutModel() {
        let traffic = TrafficCounters()
        traffic.record(provider: .openrouter, result: .refused(.auth))
        #expect(traffic.totals(provider: .openrouter).refusals == [.auth: 1])
        #expect(traffic.totals(provider: .openrouter).requests == 1)
        #expect(traffic.modelHours(provider: .openrouter, since: .distantPast).isEmpty)
        let changed = traffic.takeChanged(now: now)
        #expect(changed.totals.map(\.provider) == [.openrouter])
        #expect(changed.modelHours.isEmpty)
    }

    @Test("stored totals and hours, old or new, are counted on from where they were")
    func resumesFromStored() {
        // A row from before classification: 16 failures with no breakdown.
        let legacy = GlobalStatsRecord(provider: .ollama, requests: 100, successes: 84, failures: 16)
        let legacyHour = ModelHourRecord(
            provider: .ollama, model: "unknown", hourStart: hourStart, requests: 5, successes: 4, failures: 1)
        let traffic = TrafficCounters(stored: [legacy], modelHours: [legacyHour])
        traffic.record(provider: .ollama, model: "unknown", result: .clientError, at: now)
        traffic.record(provider: .ollama, model: "unknown", result: .refused(.noKey), at: now)
        let totals = traffic.totals(provider: .ollama)
        #expect(totals.requests == 102 && totals.failures == 18)
        #expect(totals.unclassifiedFailures == 16)
        #expect(totals.successRateBasis == 100)
        let hour = traffic.modelHours(provider: .ollama, since: .distantPast)
        #expect(hour.map(\.requests) == [7])
        #expect(hour.map(\.unclassifiedFailures) == [1])
    }

    @Test("what changed is taken once; a flush with nothing new takes nothing")
    func takeChanged() {
        let traffic = TrafficCounters()
        traffic.record(provider: .ollama, model: "a", result: .refused(.overloaded), at: now)
        let first = traffic.takeChanged(now: now)
        #expect(first.totals.map(\.refusals) == [[.overloaded: 1]])
        #expect(first.modelHours.map(\.refused) == [1])
        let second = traffic.takeChanged(now: now)
        #expect(second.totals.isEmpty && second.modelHours.isEmpty)
    }

    @Test("many tasks counting at once lose nothing")
    func concurrentCounting() async {
        let traffic = TrafficCounters()
        let results: [RequestResult] = [.success, .clientError, .upstreamFailure, .refused(.noKey)]
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<1000 {
                        traffic.record(
                            provider: .ollama, model: "m\(index % 3)", result: results[(task + index) % 4],
                            at: self.now)
                    }
                }
            }
        }
        let totals = traffic.totals(provider: .ollama)
        #expect(totals.requests == 8000)
        #expect(totals.successes == 2000 && totals.clientErrors == 2000 && totals.upstreamFailures == 2000)
        #expect(totals.refusals == [.noKey: 2000] && totals.failures == 6000)
        var sums = RequestSums()
        for hour in traffic.modelHours(provider: .ollama, since: .distantPast) { sums.add(hour) }
        #expect(sums.requests == 8000 && sums.refused == 2000 && sums.failures == 6000)
    }

    @Test("a client error is not a failure of the key that served it; an upstream failure is")
    func keyCountersIgnoreClientErrors() {
        let counters = KeyCounters()
        counters.record(.success, latencyMillis: 10, usage: nil, at: now)
        counters.record(.clientError(status: 400), latencyMillis: 10, usage: nil, at: now)
        counters.record(.clientError(status: 422), latencyMillis: 10, usage: nil, at: now)
        counters.record(.upstreamFailure(reason: "503"), latencyMillis: 10, usage: nil, at: now)
        let stats = counters.snapshot(keyID: "k")
        #expect(stats.requests == 4)
        #expect(stats.successes == 1)
        #expect(stats.failures == 1)
    }
}
