import Foundation
import PoolCore
import Testing

@testable import PoolServer

/// The metrics read from the gateway's state when scraped: keys, refusals, caches, the change feed, the build.
@Suite("Metrics: state read when scraped")
struct MetricsStateTests {
    @Test("keys by provider and status, every status present")
    func keysByStatus() {
        let fixture = MetricsRecorderTests.Fixture()
        let now = fixture.clock.now
        _ = fixture.pool.add([
            KeyRecord(provider: .ollama, secret: "sk-active-0000000000001", createdAt: now),
            KeyRecord(provider: .ollama, secret: "sk-active-0000000000002", createdAt: now),
            KeyRecord(
                provider: .ollama, secret: "sk-expired-000000000003", createdAt: now,
                expiresAt: now.addingTimeInterval(-60)),
        ])
        let text = fixture.scrape()
        #expect(text.sum("pool_keys", ["provider": "ollama", "status": "active"]) == 2)
        #expect(text.sum("pool_keys", ["provider": "ollama", "status": "expired"]) == 1)
        #expect(text.matching("pool_keys", ["provider": "ollama"]).count == KeyStatus.allCases.count)
        #expect(text.sum("pool_keys", ["provider": "openrouter"]) == 0)
        #expect(!text.samples.contains { $0.labels.values.contains { $0.contains("sk-") } })
    }

    @Test("refusals and cache lookups count from this instance's start, as their sources move between scrapes")
    func mirroredCounters() {
        let stored = GlobalStatsRecord(provider: .ollama, requests: 9, failures: 9, refusals: [.auth: 5, .limits: 4])
        let fixture = MetricsRecorderTests.Fixture(stored: [stored])
        var text = fixture.scrape()
        #expect(text.sum("pool_refusals_total", ["provider": "ollama", "reason": "auth"]) == 0)
        #expect(text.matching("pool_refusals_total", ["provider": "ollama"]).count == RefusalReason.allCases.count)

        fixture.traffic.record(provider: .ollama, result: .refused(.auth))
        fixture.traffic.record(provider: .ollama, result: .refused(.limits))
        fixture.traffic.record(provider: .ollama, result: .refused(.limits))
        let key = ResponseCacheKey(
            tokenID: "t_1", shared: false, provider: .ollama, route: "/v1/chat/completions", body: Array("{}".utf8))
        _ = fixture.responseCache.lookup(key, now: fixture.clock.now)
        _ = fixture.modelCache.fresh(ModelListCache.key(provider: .ollama, path: "/v1/models"), now: fixture.clock.now)
        text = fixture.scrape()
        #expect(text.sum("pool_refusals_total", ["provider": "ollama", "reason": "auth"]) == 1)
        #expect(text.sum("pool_refusals_total", ["provider": "ollama", "reason": "limits"]) == 2)
        #expect(text.sum("pool_cache_requests_total", ["cache": "response", "result": "miss"]) == 1)
        #expect(text.sum("pool_cache_requests_total", ["cache": "models", "result": "miss"]) == 1)
        #expect(text.sum("pool_cache_requests_total", ["result": "hit"]) == 0)

        // A second scrape with nothing new adds nothing.
        text = fixture.scrape()
        #expect(text.sum("pool_refusals_total") == 3)
        #expect(text.sum("pool_cache_requests_total") == 2)
    }

    @Test("store flushes, the change feed, the build and the uptime")
    func flushesFeedAndBuild() {
        let fixture = MetricsRecorderTests.Fixture()
        fixture.metrics.storeFlushed(seconds: 0.002, succeeded: true)
        fixture.metrics.storeFlushed(seconds: 0.5, succeeded: false)
        let text = fixture.scrape()
        #expect(text.sum("pool_store_flush_seconds_count") == 2)
        #expect(text.sum("pool_store_flush_seconds_bucket", ["le": "0.0025"]) == 1)
        #expect(text.sum("pool_store_flush_failures_total") == 1)
        #expect(text.sum("pool_change_feed_behind_revisions") == 0)
        #expect(text.matching("pool_change_feed_seconds_since_catch_up").count == 1)
        #expect(text.sum("pool_build_info", ["version": GatewayVersion.current]) == 1)
        #expect(text.sum("pool_uptime_seconds") >= 0)
        #expect(text.types["pool_uptime_seconds"] == "gauge")
    }

    @Test("every metric the dashboard and the README name is exported, with its type")
    func everyNamedMetric() {
        let fixture = MetricsRecorderTests.Fixture()
        fixture.metrics.recorder.requestFinished(MetricsRecorderTests.record(tokens: (1, 1)))
        fixture.metrics.storeFlushed(seconds: 0.001, succeeded: true)
        let text = fixture.scrape()
        let expected: [String: String] = [
            "pool_requests_total": "counter", "pool_upstream_attempts_total": "counter",
            "pool_request_retries": "histogram", "pool_request_duration_seconds": "histogram",
            "pool_upstream_ttfb_seconds": "histogram", "pool_overhead_seconds": "histogram",
            "pool_stream_duration_seconds": "histogram", "pool_streams_in_flight": "gauge",
            "pool_tokens_total": "counter", "pool_keys": "gauge", "pool_cache_requests_total": "counter",
            "pool_refusals_total": "counter", "pool_store_flush_seconds": "histogram",
            "pool_store_flush_failures_total": "counter", "pool_change_feed_behind_revisions": "gauge",
            "pool_change_feed_seconds_since_catch_up": "gauge", "pool_build_info": "gauge",
            "pool_uptime_seconds": "gauge",
        ]
        #expect(text.types == expected)
    }
}
