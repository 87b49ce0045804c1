import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

@Suite("Proxy: failover and the key state machine")
struct FailoverTests {
    /// Two keys: the first answers `behavior`, the second succeeds. Returns the reply and the first key's id.
    func failOverOnce(
        _ behavior: MockUpstream.Behavior, clock: ManualClock = ManualClock(Date()),
        check: (TestGateway.Reply, String, TestGateway, MockUpstream) async throws -> Void
    ) async throws {
        try await withProxy(clock: clock) { gateway, mock in
            let ids = try await gateway.addKeys(["failing-key-00000001", "healthy-key-00000002"])
            mock.set(behavior, forKey: "failing-key-00000001")
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            try await check(reply, ids[0], gateway, mock)
        }
    }

    @Test("401 and 403 retry on another key and make the first key invalid", arguments: [401, 403])
    func rejected(status: Int) async throws {
        try await failOverOnce(.status(status)) { reply, failingID, gateway, mock in
            #expect(reply.status == 200)
            #expect(reply.header("x-pool-attempts") == "2")
            #expect(reply.header("x-pool-key-id") != failingID)
            #expect(mock.keysUsed == ["failing-key-00000001", "healthy-key-00000002"])
            #expect(gateway.gateway.pool.view(id: failingID)?.status == .invalid)
        }
    }

    @Test("402 retries and cools the key for an hour")
    func outOfCredit() async throws {
        let clock = ManualClock(Date())
        try await failOverOnce(.status(402), clock: clock) { reply, failingID, gateway, _ in
            #expect(reply.status == 200)
            let view = gateway.gateway.pool.view(id: failingID)!
            #expect(view.status == .cooling)
            #expect(view.health.condition.endsAt == clock.now.addingTimeInterval(3600))
        }
    }

    @Test("429 retries and cools the key for Retry-After")
    func rateLimited() async throws {
        let clock = ManualClock(Date())
        try await failOverOnce(.status(429, headers: ["retry-after": "17"]), clock: clock) {
            reply, failingID, gateway, _ in
            #expect(reply.status == 200)
            let view = gateway.gateway.pool.view(id: failingID)!
            #expect(view.status == .cooling)
            #expect(view.health.condition.endsAt == clock.now.addingTimeInterval(17))
        }
    }

    @Test("5xx retries on another key and counts a failure", arguments: [500, 502, 503])
    func serverErrors(status: Int) async throws {
        try await failOverOnce(.status(status)) { reply, failingID, gateway, _ in
            #expect(reply.status == 200)
            let view = gateway.gateway.pool.view(id: failingID)!
            #expect(view.status == .active)
            #expect(view.health.consecutiveFailures == 1)
            #expect(view.stats.failures == 1)
        }
    }

    @Test("a dropped connection retries on another key")
    func droppedConnection() async throws {
        var behavior = MockUpstream.Behavior()
        behavior.dropConnection = true
        try await failOverOnce(behavior) { reply, failingID, gateway, _ in
            #expect(reply.status == 200)
            #expect(gateway.gateway.pool.view(id: failingID)?.health.consecutiveFailures == 1)
        }
    }

    @Test("a slow upstream times out and the request moves to another key")
    func timeout() async throws {
        var slow = MockUpstream.Behavior()
        slow.delay = .seconds(60)
        try await withProxy({ $0.upstream.firstByteTimeout = 5 }) { gateway, mock in
            let ids = try await gateway.addKeys(["slow-key-000000001", "fast-key-000000002"])
            mock.set(slow, forKey: "slow-key-000000001")
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 200)
            #expect(reply.header("x-pool-key-id") == ids[1])
            #expect(gateway.gateway.pool.view(id: ids[0])?.health.consecutiveFailures == 1)
        }
    }

    @Test("an unreachable upstream is a 502 naming the failure")
    func unreachable() async throws {
        try await withProxy({ $0.upstream.ollamaURL = "http://127.0.0.1:1" }) { gateway, _ in
            try await gateway.addKeys(["unreachable-key-0001", "unreachable-key-0002"])
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 502)
            let error = reply.json["error"] as? [String: Any]
            #expect(error?["type"] as? String == "upstream_error")
            #expect((error?["message"] as? String)?.contains("connect") == true, "\(reply.body)")
        }
    }

    @Test(
        "the client's own errors pass back unchanged and do not count against the key", arguments: [400, 404, 413, 422])
    func clientErrors(status: Int) async throws {
        try await withProxy { gateway, mock in
            let ids = try await gateway.addKeys(["client-error-key-01", "client-error-key-02"])
            let upstreamBody = #"{"error":{"message":"model not found","type":"invalid_request_error"}}"#
            mock.setDefault(.status(status, body: upstreamBody))
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == status)
            #expect(reply.body == upstreamBody)
            #expect(reply.header("x-pool-attempts") == "1")
            #expect(mock.received.count == 1)
            let view = gateway.gateway.pool.view(id: reply.header("x-pool-key-id")!)!
            #expect(view.health == KeyHealth())
            #expect(view.stats.failures == 0)
            _ = ids
        }
    }

    @Test("when every key is rejected or rate-limited the client gets a 503 explaining why, never the upstream's 401")
    func allKeysFail() async throws {
        try await withProxy(clock: ManualClock(Date())) { gateway, mock in
            try await gateway.addKeys(["k-rejected-000001", "k-limited-0000002", "k-broke-00000003"])
            mock.set(.status(401), forKey: "k-rejected-000001")
            mock.set(.status(429, headers: ["retry-after": "30"]), forKey: "k-limited-0000002")
            mock.set(.status(402), forKey: "k-broke-00000003")
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 503)
            let message = (reply.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("tried 3 key"))
            #expect(message.contains("rate-limited"))
            #expect(message.contains("rejected"))
            #expect(message.contains("out of credit"))
            #expect(reply.header("retry-after") == "30")
            #expect(reply.header("x-request-id") != nil)
            #expect(reply.header("x-pool-attempts") == "3")

            let next = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(next.status == 503)
            #expect(
                (next.json["error"] as? [String: Any])?["code"] as? String == GatewayError.Code.noUsableKey.rawValue)
            #expect(next.header("retry-after") == "30")
            #expect(mock.received.count == 3)
        }
    }

    @Test("retries stop after MAX_RETRIES further attempts")
    func retryLimit() async throws {
        try await withProxy({ $0.upstream.maxRetries = 2 }) { gateway, mock in
            try await gateway.addKeys((1...6).map { "limited-key-\($0)-abcdef" })
            mock.setDefault(.status(500))
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 502)
            #expect(mock.received.count == 3)
            #expect(Set(mock.keysUsed).count == 3)
        }
    }

    @Test("consecutive failures disable a key; after the window one trial brings it back")
    func recoveryAfterDisableWindow() async throws {
        let clock = ManualClock(Date())
        try await withProxy(
            clock: clock,
            {
                $0.upstream.maxRetries = 0
                $0.cooldown.failureThreshold = 2
                $0.cooldown.disableSeconds = 600
            }
        ) { gateway, mock in
            let id = try await gateway.addKeys(["flaky-key-0000001"])[0]
            mock.setDefault(.status(500))
            let token = try await gateway.createToken()
            for _ in 0..<2 {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
                #expect(reply.status == 502)
            }
            #expect(gateway.gateway.pool.view(id: id)?.status == .disabled)
            let resting = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(resting.status == 503)
            #expect(resting.header("retry-after") == "600")
            #expect(mock.received.count == 2)

            clock.advance(by: 600)
            mock.setDefault(.ok)
            let trial = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(trial.status == 200)
            let view = gateway.gateway.pool.view(id: id)!
            #expect(view.status == .active)
            #expect(view.health == KeyHealth())
        }
    }

    @Test("rotation is fair across healthy keys")
    func fairness() async throws {
        try await withProxy { gateway, mock in
            let ids = try await gateway.addKeys((1...4).map { "fair-key-\($0)-abcdefgh" })
            let token = try await gateway.createToken()
            var counts: [String: Int] = [:]
            for _ in 0..<40 {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
                counts[reply.header("x-pool-key-id")!, default: 0] += 1
            }
            #expect(Set(counts.keys) == Set(ids))
            #expect(Set(counts.values) == [10])
            #expect(mock.received.count == 40)
        }
    }

    @Test("1,000 concurrent requests all succeed and the totals are exact")
    func concurrency() async throws {
        try await withProxy { gateway, mock in
            let ids = try await gateway.addKeys((1...10).map { "busy-key-\($0)-abcdefgh" })
            let token = try await gateway.createToken()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        let body = index % 2 == 0 ? chatBody : streamBody
                        return try await gateway.request(.POST, "/v1/chat/completions", token: token, body: body).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 1000)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(mock.received.count == 1000)
            let views = ids.compactMap { gateway.gateway.pool.view(id: $0) }
            #expect(views.reduce(0) { $0 + $1.stats.requests } == 1000)
            #expect(views.reduce(0) { $0 + $1.stats.successes } == 1000)
            #expect(views.allSatisfy { $0.stats.requests == 100 })
            let totals = gateway.gateway.traffic.totals(provider: .ollama)
            #expect(totals.requests == 1000 && totals.successes == 1000 && totals.failures == 0)
            #expect(gateway.gateway.tokens.entries()[0].requestCount == 1000)
        }
    }
}
