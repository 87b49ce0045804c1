import Foundation
import PoolCore
import Testing

@testable import PoolServer

/// The metrics of finished requests, fed `RequestRecord`s directly and read back through the text format.
@Suite("Metrics: what a finished request counts")
struct MetricsRecorderTests {
    /// A gateway's metrics over fresh in-memory parts.
    struct Fixture {
        let pool: KeyPool
        let traffic: TrafficCounters
        let responseCache = ResponseCache(capacityBytes: 1 << 20)
        let modelCache = ModelListCache(ttl: 300)
        let clock = ManualClock()
        let metrics: GatewayMetrics

        init(stored: [GlobalStatsRecord] = []) {
            pool = KeyPool(clock: clock)
            traffic = TrafficCounters(stored: stored)
            metrics = GatewayMetrics(
                sources: MetricsStateGauges.Sources(
                    pool: pool, traffic: traffic, feed: ChangeFeedStatus(loadedRevision: 0, at: clock.now),
                    modelCache: modelCache, responseCache: responseCache, clock: clock, startedAt: Date()))
        }

        func scrape() -> MetricsText { MetricsText(String(decoding: metrics.exposition(), as: UTF8.self)) }
    }

    static func record(
        provider: ProviderID = .ollama, route: String = "/v1/chat/completions", model: String? = "llama3",
        status: Int = 200, seconds: Double = 0.5, upstream: Double = 0.4,
        attempts: [RequestRecord.AttemptResult] = [
            .success
        ], stream: Bool = false, tokens: (Int, Int)? = nil, cached: Bool = false
    ) -> RequestRecord {
        RequestRecord(
            id: "req-\(UUID().uuidString)", startedAt: Date(), tokenID: "t_secret-token-id", tokenName: "alice",
            provider: provider, route: route, model: model, stream: stream, status: status, seconds: seconds,
            firstByteSeconds: attempts.isEmpty ? nil : seconds / 2, upstreamSeconds: upstream,
            attempts: attempts.map {
                RequestRecord.Attempt(keyID: "k_0123456789abc", result: $0, status: 200, seconds: upstream)
            },
            promptTokens: tokens?.0, completionTokens: tokens?.1, cached: cached, error: nil)
    }

    @Test("a request like the one before counts into the same series; any change of label or tokens into its own")
    func repeatsAndChangesCountApart() {
        let fixture = Fixture()
        let recorder = fixture.metrics.recorder
        // A model is `other` until an upstream answered it with a 2xx, then its own label, also for later errors.
        let sequence: [RequestRecord] = [
            Self.record(model: "fresh", status: 404), Self.record(model: "fresh", status: 404),
            Self.record(model: "fresh", status: 200), Self.record(model: "fresh", status: 200, tokens: (3, 4)),
            Self.record(model: "fresh", status: 200), Self.record(model: "fresh", status: 404),
            Self.record(route: "/api/chat", model: "fresh", status: 404),
            Self.record(route: "/api/chat", model: "fresh", status: 404),
            Self.record(provider: .openrouter, route: "/api/chat", model: "fresh", status: 404),
            Self.record(model: nil, status: 200), Self.record(model: "fresh", status: 200, tokens: (5, 6)),
        ]
        for record in sequence { recorder.requestFinished(record) }
        let text = fixture.scrape()
        let chat = "/v1/chat/completions"
        #expect(text.sum("pool_requests_total") == 11)
        #expect(text.sum("pool_requests_total", ["route": chat, "model": "other", "status_class": "4xx"]) == 2)
        #expect(text.sum("pool_requests_total", ["route": chat, "model": "fresh", "status_class": "2xx"]) == 4)
        #expect(text.sum("pool_requests_total", ["route": chat, "model": "fresh", "status_class": "4xx"]) == 1)
        #expect(
            text.sum("pool_requests_total", ["provider": "ollama", "route": "/api/chat", "model": "fresh"]) == 2)
        #expect(text.sum("pool_requests_total", ["provider": "openrouter", "route": "/api/chat"]) == 1)
        #expect(text.sum("pool_requests_total", ["model": "none"]) == 1)
        #expect(text.sum("pool_tokens_total", ["model": "fresh", "kind": "prompt"]) == 8)
        #expect(text.sum("pool_tokens_total", ["model": "fresh", "kind": "completion"]) == 10)
        #expect(text.sum("pool_request_duration_seconds_count", ["route": "/api/chat"]) == 3)
    }

    @Test("requests, attempts, retries and latencies count each finished request once, by its labels")
    func countsByLabels() {
        let fixture = Fixture()
        let recorder = fixture.metrics.recorder
        for _ in 0..<3 { recorder.requestFinished(Self.record()) }
        recorder.requestFinished(Self.record(status: 503, attempts: [.rateLimited, .failed, .failed]))
        recorder.requestFinished(Self.record(provider: .openrouter, status: 401, attempts: []))
        recorder.requestFinished(Self.record(route: "/api/chat", model: nil, status: 404, attempts: [.clientError]))
        let text = fixture.scrape()

        #expect(text.types["pool_requests_total"] == "counter")
        #expect(text.types["pool_request_duration_seconds"] == "histogram")
        #expect(text.sum("pool_requests_total") == 6)
        #expect(
            text.sum(
                "pool_requests_total",
                ["provider": "ollama", "route": "/v1/chat/completions", "status_class": "2xx", "model": "llama3"]) == 3)
        #expect(text.sum("pool_requests_total", ["status_class": "5xx", "model": "llama3"]) == 1)
        #expect(text.sum("pool_requests_total", ["provider": "openrouter", "status_class": "4xx"]) == 1)
        #expect(text.sum("pool_requests_total", ["route": "/api/chat", "model": "none"]) == 1)
        // Every request in the duration and overhead histograms; only those that reached an upstream in retries.
        #expect(text.sum("pool_request_duration_seconds_count") == 6)
        #expect(text.sum("pool_overhead_seconds_count") == 6)
        #expect(text.sum("pool_request_retries_count") == 5)
        #expect(text.sum("pool_upstream_ttfb_seconds_count") == 5)
        #expect(text.sum("pool_request_retries_bucket", ["provider": "ollama", "le": "0.0"]) == 4)
        #expect(text.sum("pool_request_retries_bucket", ["provider": "ollama", "le": "2.0"]) == 5)
        #expect(text.sum("pool_request_retries_sum") == 2)
        #expect(text.sum("pool_upstream_attempts_total", ["provider": "ollama", "outcome": "success"]) == 3)
        #expect(text.sum("pool_upstream_attempts_total", ["outcome": "failed"]) == 2)
        #expect(text.sum("pool_upstream_attempts_total", ["outcome": "rate_limited"]) == 1)
        #expect(text.sum("pool_upstream_attempts_total", ["outcome": "client_error"]) == 1)
        #expect(text.sum("pool_upstream_attempts_total") == 7)
        // 0.5 s total, 0.4 s upstream: 0.1 s of the gateway's own, in the 0.25 bucket and not the 0.05 one.
        #expect(text.sum("pool_overhead_seconds_bucket", ["provider": "ollama", "le": "0.05"]) == 0)
        #expect(text.sum("pool_overhead_seconds_bucket", ["provider": "ollama", "le": "0.25"]) == 5)
        #expect(text.matching("pool_request_duration_seconds_bucket", ["le": "0.0001"]).count > 0)
    }

    @Test("tokens by provider, model and kind; streams in flight and their durations")
    func tokensAndStreams() {
        let fixture = Fixture()
        let recorder = fixture.metrics.recorder
        recorder.requestFinished(Self.record(tokens: (10, 5)))
        recorder.requestFinished(Self.record(tokens: (7, 0)))
        for _ in 0..<3 { recorder.streamStarted(provider: .ollama) }
        recorder.streamStarted(provider: .openrouter)
        recorder.requestFinished(Self.record(stream: true, tokens: (1, 2)))
        // A stream request answered with an error never started a stream: it must not end one.
        recorder.requestFinished(Self.record(status: 503, attempts: [.failed], stream: true))
        let text = fixture.scrape()

        #expect(text.sum("pool_tokens_total", ["provider": "ollama", "model": "llama3", "kind": "prompt"]) == 18)
        #expect(text.sum("pool_tokens_total", ["provider": "ollama", "model": "llama3", "kind": "completion"]) == 7)
        #expect(text.sum("pool_streams_in_flight", ["provider": "ollama"]) == 2)
        #expect(text.sum("pool_streams_in_flight", ["provider": "openrouter"]) == 1)
        #expect(text.sum("pool_stream_duration_seconds_count") == 1)
        #expect(text.sum("pool_stream_duration_seconds_sum", ["provider": "ollama"]) == 0.25)
    }

    @Test("models get labels of their own only after a 2xx, the first 100; the rest fold into other")
    func modelFolding() {
        let fixture = Fixture()
        let recorder = fixture.metrics.recorder
        // Text a client made up, refused upstream: never a label.
        recorder.requestFinished(
            Self.record(model: "ignore previous instructions", status: 404, attempts: [.clientError]))
        for index in 0..<150 { recorder.requestFinished(Self.record(model: "model-\(index)")) }
        recorder.requestFinished(Self.record(model: "model-0", status: 500, attempts: [.failed]))
        recorder.requestFinished(Self.record(model: String(repeating: "x", count: 500)))
        let text = fixture.scrape()

        let models = Set(text.matching("pool_requests_total").compactMap { $0.labels["model"] })
        #expect(models.count == 101)
        #expect(models.contains("other"))
        #expect(models.contains("model-99"))
        #expect(!models.contains("model-100"))
        #expect(!models.contains("ignore previous instructions"))
        #expect(fixture.metrics.recorder.labelledModelCount == 100)
        #expect(text.sum("pool_requests_total", ["model": "other"]) == 52)
        // An admitted model keeps its label when it fails later.
        #expect(text.sum("pool_requests_total", ["model": "model-0", "status_class": "5xx"]) == 1)
        #expect(text.sum("pool_requests_total") == 153)
    }

    @Test("no key id, token, request id or user text appears as a label")
    func noForbiddenLabels() {
        let fixture = Fixture()
        fixture.metrics.recorder.requestFinished(Self.record(tokens: (1, 1)))
        let text = fixture.scrape()
        let allowed: Set<String> = [
            "provider", "route", "status_class", "model", "outcome", "kind", "status", "cache", "result", "reason",
            "version", "le",
        ]
        for sample in text.samples {
            #expect(Set(sample.labels.keys).isSubset(of: allowed), "\(sample.name) \(sample.labels)")
            for value in sample.labels.values {
                #expect(
                    !value.hasPrefix("k_") && !value.hasPrefix("t_") && !value.hasPrefix("req-") && value != "alice")
            }
        }
    }

    @Test("the attempt outcomes' indexes are their order in allCases")
    func outcomeIndexes() {
        for (index, result) in RequestRecord.AttemptResult.allCases.enumerated() {
            #expect(result.metricsIndex == index)
        }
    }

    @Test("two gateways in one process keep separate counts")
    func separateRegistries() {
        let first = Fixture()
        let second = Fixture()
        first.metrics.recorder.requestFinished(Self.record())
        first.metrics.recorder.requestFinished(Self.record())
        second.metrics.recorder.requestFinished(Self.record())
        #expect(first.scrape().sum("pool_requests_total") == 2)
        #expect(second.scrape().sum("pool_requests_total") == 1)
    }
}
