import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PoolCore
import Testing

@testable import PoolServer

/// `/metrics` after known traffic through a real gateway and the mock upstream: the counters equal the requests
/// made, and the histograms' counts match the requests they describe.
@Suite("Metrics: counts after known traffic")
struct MetricsTrafficTests {
    @Test("requests, attempts, retries, latencies, streams, tokens, refusals and caches add up to the traffic made")
    func countsMatchTraffic() async throws {
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, mock in
            mock.set(.status(429, headers: ["retry-after": "60"]), forKey: "metrics-limited-00001")
            try await gateway.addKeys(["metrics-limited-00001", "metrics-good-0000002"])
            let token = try await gateway.createToken(name: "scraped")
            for _ in 0..<5 {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
                #expect(reply.status == 200)
            }
            for _ in 0..<2 {
                let chunks = try await gateway.streamChunks("/v1/chat/completions", token: token, body: streamBody)
                #expect(!chunks.isEmpty)
            }
            let refused = try await gateway.request(
                .POST, "/v1/chat/completions", token: "sk-not-a-token-000000000000", body: chatBody)
            #expect(refused.status == 401)
            for _ in 0..<2 {
                #expect(try await gateway.request(.GET, "/v1/models", token: token).status == 200)
            }
            let records = try await collector.awaitRecords(10)
            try #require(records.count == 10)

            let reply = try await gateway.request(.GET, "/metrics", token: gateway.adminToken)
            #expect(reply.status == 200)
            let text = MetricsText(reply.body)

            #expect(text.sum("pool_requests_total") == 10)
            #expect(
                text.sum(
                    "pool_requests_total",
                    [
                        "provider": "ollama", "route": "/v1/chat/completions", "status_class": "2xx",
                        "model": "llama3.2:1b",
                    ]) == 7)
            #expect(text.sum("pool_requests_total", ["status_class": "4xx", "model": "none"]) == 1)
            #expect(text.sum("pool_requests_total", ["route": "/v1/models", "status_class": "2xx"]) == 2)
            #expect(text.sum("pool_request_duration_seconds_count") == 10)
            #expect(text.sum("pool_overhead_seconds_count") == 10)

            // One attempt per request that reached an upstream, plus one per failover off the limited key.
            let upstreamRecords = records.filter { !$0.attempts.isEmpty }
            let limited = records.flatMap(\.attempts).filter { $0.result == .rateLimited }.count
            #expect(limited == 1)
            #expect(text.sum("pool_request_retries_count") == Double(upstreamRecords.count))
            #expect(text.sum("pool_request_retries_sum") == Double(limited))
            #expect(text.sum("pool_upstream_attempts_total", ["outcome": "rate_limited"]) == 1)
            #expect(
                text.sum("pool_upstream_attempts_total", ["outcome": "success"]) == Double(upstreamRecords.count))
            #expect(text.sum("pool_upstream_ttfb_seconds_count") == Double(upstreamRecords.count))

            #expect(text.sum("pool_stream_duration_seconds_count") == 2)
            #expect(text.sum("pool_streams_in_flight") == 0)
            let prompt = records.compactMap(\.promptTokens).reduce(0, +)
            #expect(prompt > 0)
            #expect(text.sum("pool_tokens_total", ["kind": "prompt", "model": "llama3.2:1b"]) == Double(prompt))

            #expect(text.sum("pool_refusals_total", ["provider": "ollama", "reason": "auth"]) == 1)
            #expect(text.sum("pool_refusals_total") == 1)
            #expect(text.sum("pool_cache_requests_total", ["cache": "models", "result": "hit"]) == 1)
            #expect(text.sum("pool_cache_requests_total", ["cache": "models", "result": "miss"]) == 1)
            #expect(text.sum("pool_keys", ["provider": "ollama", "status": "active"]) == 1)
            #expect(text.sum("pool_keys", ["provider": "ollama", "status": "cooling"]) == 1)
            #expect(text.sum("pool_store_flush_seconds_count") > 0)

            // Nothing secret or client-chosen in a label.
            #expect(!reply.body.contains("metrics-limited"))
            #expect(!reply.body.contains(token))
            #expect(!reply.body.contains("scraped"))
        }
    }

    @Test("a stream in flight is counted while it is open")
    func streamInFlight() async throws {
        try await withProxy { gateway, mock in
            mock.setDefault(MockUpstream.Behavior(chunks: 3, holdAfterFirst: true))
            try await gateway.addKeys(["metrics-stream-000001"])
            let token = try await gateway.createToken()
            let response = try await gateway.openStream("/v1/chat/completions", token: token, body: streamBody)
            var body = response.body.makeAsyncIterator()
            _ = try await body.next()
            let open = MetricsText(try await gateway.request(.GET, "/metrics", token: gateway.adminToken).body)
            #expect(open.sum("pool_streams_in_flight", ["provider": "ollama"]) == 1)
            mock.release()
            while try await body.next() != nil {}
            // The record is handed over once the answer's end is written; allow for that moment.
            var closed = 1.0
            for _ in 0..<250 where closed != 0 {
                closed = MetricsText(try await gateway.request(.GET, "/metrics", token: gateway.adminToken).body)
                    .sum("pool_streams_in_flight")
                if closed != 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(closed == 0)
        }
    }
}
