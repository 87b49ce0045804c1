import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

@Suite("Admin API: health checks and verify-key")
struct HealthCheckTests {
    @Test("a health check updates every key by the traffic rules and learns the models of good keys")
    func trafficRules() async throws {
        let clock = ManualClock(Date())
        try await withProxy(clock: clock) { gateway, mock in
            let secrets = [
                "hc-good-00000000001", "hc-revoked-000000002", "hc-limited-000000003", "hc-broke-0000000004",
                "hc-flaky-0000000005",
            ]
            let ids = try await gateway.addKeys(secrets)
            var good = MockUpstream.Behavior()
            good.pathBodies["/api/tags"] = tagsBody(["kimi-k2:1t", "gpt-oss:20b", "kimi-k2-thinking"])
            mock.set(good, forKey: secrets[0])
            mock.set(.status(401), forKey: secrets[1])
            mock.set(.status(429, headers: ["retry-after": "90"]), forKey: secrets[2])
            mock.set(.status(402), forKey: secrets[3])
            mock.set(.status(500), forKey: secrets[4])

            let job = try await gateway.runJob("/admin/keys/health-check", json: [String: Any]())
            #expect(job["kind"] as? String == "health_check")
            #expect(job["total"] as? Int == 5)
            let result = job["result"] as! [String: Any]
            #expect(result["checked"] as? Int == 5)
            #expect(result["valid"] as? Int == 1)
            #expect(result["invalid"] as? Int == 1)
            #expect(result["rate_limited"] as? Int == 1)
            #expect(result["out_of_credit"] as? Int == 1)
            #expect(result["upstream_error"] as? Int == 1)
            let changed = result["changed"] as! [[String: Any]]
            #expect(Set(changed.compactMap { $0["id"] as? String }) == Set([ids[1], ids[2], ids[3]]))
            #expect(!job.description.contains("hc-revoked-000000002"))

            let pool = gateway.gateway.pool
            #expect(pool.view(id: ids[0])?.status == .active)
            #expect(pool.view(id: ids[0])?.models == ["kimi-k2:1t", "gpt-oss:20b", "kimi-k2-thinking"])
            #expect(pool.view(id: ids[0])?.category == "kimi")
            #expect(pool.view(id: ids[1])?.status == .invalid)
            #expect(pool.view(id: ids[2])?.status == .cooling)
            #expect(pool.view(id: ids[2])?.health.condition.endsAt == clock.now.addingTimeInterval(90))
            #expect(pool.view(id: ids[3])?.status == .cooling)
            #expect(pool.view(id: ids[4])?.status == .active)
            #expect(pool.view(id: ids[4])?.health.consecutiveFailures == 1)
        }
    }

    @Test("a 429 is not a dead key: a rejected key that now answers 429 cools instead of staying invalid")
    func rateLimitRevivesRejectedKey() async throws {
        try await withProxy { gateway, mock in
            let id = try await gateway.addKeys(["revived-key-00000001"])[0]
            mock.setDefault(.status(401))
            _ = try await gateway.runJob("/admin/keys/health-check", json: ["ids": [id]])
            #expect(gateway.gateway.pool.view(id: id)?.status == .invalid)
            mock.setDefault(.status(429))
            _ = try await gateway.runJob("/admin/keys/health-check", json: ["ids": [id]])
            #expect(gateway.gateway.pool.view(id: id)?.status == .cooling)
        }
    }

    @Test("a health check takes ids (or full keys) or a status filter")
    func selection() async throws {
        try await withProxy { gateway, mock in
            let secrets = ["select-key-000000001", "select-key-000000002", "select-key-000000003"]
            let ids = try await gateway.addKeys(secrets)
            mock.set(.status(401), forKey: secrets[1])
            mock.set(.status(401), forKey: secrets[2])
            _ = try await gateway.runJob("/admin/keys/health-check", json: ["ids": [secrets[1], ids[2]]])
            #expect(Set(mock.keysUsed) == [secrets[1], secrets[2]])

            mock.reset()
            let byStatus = try await gateway.runJob("/admin/keys/health-check", json: ["status": "invalid"])
            #expect(byStatus["total"] as? Int == 2)
            #expect(Set(mock.keysUsed) == [secrets[1], secrets[2]])

            let unknown = try await gateway.admin(.POST, "/admin/keys/health-check", json: ["ids": ["k_nope", ids[0]]])
            #expect(unknown.status == 202)
            #expect(unknown.json["total"] as? Int == 1)
            #expect(unknown.json["not_found"] as? Int == 1)
        }
    }

    @Test("health-check probes never exceed VALIDATION_CONCURRENCY")
    func concurrencyBound() async throws {
        try await withProxy({ $0.keyChecks.concurrency = 3 }) { gateway, mock in
            try await gateway.addKeys((0..<30).map { "hc-bounded-key-\(100 + $0)" })
            var slow = MockUpstream.Behavior()
            slow.delay = .milliseconds(30)
            mock.setDefault(slow)
            let job = try await gateway.runJob("/admin/keys/health-check", json: [String: Any]())
            #expect((job["result"] as? [String: Any])?["checked"] as? Int == 30)
            #expect(mock.maxConcurrentRequests <= 3)
        }
    }

    @Test("a key an admin disabled stays disabled whatever the health check finds")
    func adminDisableHolds() async throws {
        try await withProxy { gateway, _ in
            let id = try await gateway.addKeys(["admin-off-key-000001"])[0]
            _ = try await gateway.admin(.POST, "/admin/keys/disable", json: ["id": id])
            let job = try await gateway.runJob("/admin/keys/health-check", json: ["ids": [id]])
            #expect((job["result"] as? [String: Any])?["valid"] as? Int == 1)
            #expect(gateway.gateway.pool.view(id: id)?.status == .disabled)
        }
    }

    @Test(
        "bad health-check input is a 400",
        arguments: [#"{"status":"sleepy"}"#, #"{"ids":"k_1"}"#, #"{"ids":[1]}"#, #"{"provider":"nope"}"#])
    func badInput(body: String) async throws {
        try await withGateway { gateway in
            let reply = try await gateway.request(
                .POST, "/admin/keys/health-check", token: gateway.adminToken, body: body)
            #expect(reply.status == 400)
            #expect(reply.json["error"] is String)
        }
    }

    @Test("verify-key probes a pool key now and applies the result")
    func verifyPoolKey() async throws {
        try await withProxy { gateway, mock in
            let secret = "verify-pool-key-0000001"
            let id = try await gateway.addKeys([secret])[0]
            mock.set(.status(403), forKey: secret)
            let reply = try await gateway.admin(.POST, "/admin/verify-key", json: ["id": id])
            #expect(reply.status == 200)
            #expect(reply.json["valid"] as? Bool == false)
            #expect(reply.json["outcome"] as? String == "invalid")
            #expect(reply.json["status"] as? Int == 403)
            #expect((reply.json["key"] as? [String: Any])?["status"] as? String == "invalid")
            #expect(!reply.body.contains(secret))

            mock.set(.ok, forKey: secret)
            let bySecret = try await gateway.admin(.POST, "/admin/verify-key", json: ["apiKey": secret])
            #expect(bySecret.json["valid"] as? Bool == true)
            #expect(gateway.gateway.pool.view(id: id)?.status == .active)
        }
    }

    @Test("verify-key probes a key that is not in the pool without adding it")
    func verifyOutsideKey() async throws {
        try await withProxy { gateway, mock in
            let secret = "verify-outside-key-0001"
            var good = MockUpstream.Behavior()
            good.pathBodies["/api/tags"] = tagsBody(["llama3.2:1b"])
            mock.set(good, forKey: secret)
            let reply = try await gateway.admin(.POST, "/admin/verify-key", json: ["apiKey": secret])
            #expect(reply.status == 200)
            #expect(reply.json["valid"] as? Bool == true)
            #expect(reply.json["outcome"] as? String == "valid")
            #expect(reply.json["status"] as? Int == 200)
            #expect(reply.json["in_pool"] as? Bool == false)
            #expect(reply.json["models"] as? [String] == ["llama3.2:1b"])
            #expect(reply.json["category"] as? String == "llama")
            #expect(!reply.body.contains(secret))
            #expect(gateway.gateway.pool.count(provider: .ollama) == 0)
        }
    }

    @Test("verify-key says when the upstream could not judge a key: valid is null, the outcome says why")
    func verifyUnjudged() async throws {
        try await withProxy({ $0.keyChecks.probeTimeout = 0.5 }) { gateway, mock in
            var slow = MockUpstream.Behavior()
            slow.delay = .seconds(60)
            mock.setDefault(slow)
            let reply = try await gateway.admin(.POST, "/admin/verify-key", json: ["apiKey": "verify-slow-key-000001"])
            #expect(reply.status == 200)
            #expect(reply.json["valid"] is NSNull)
            #expect(reply.json["status"] is NSNull)
            #expect(reply.json["outcome"] as? String == "upstream_error")
            #expect((reply.json["reason"] as? String)?.contains("timeout") == true)
        }
    }

    @Test(
        "verify-key answers bad input with 400 and unknown ids with 404",
        arguments: [
            (#"{}"#, 400), (#"{"id":""}"#, 400), (#"{"apiKey":"has spaces in it"}"#, 400),
            (#"{"id":"k_unknown"}"#, 404),
        ])
    func verifyErrors(body: String, status: Int) async throws {
        try await withGateway { gateway in
            let reply = try await gateway.request(.POST, "/admin/verify-key", token: gateway.adminToken, body: body)
            #expect(reply.status == status)
            #expect(reply.json["error"] is String)
        }
    }

    @Test("what a health check learned survives a restart")
    func persistence() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-hc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mock = try await MockUpstream.start()
        func start() async throws -> TestGateway {
            try await TestGateway.start(directory: folder) { $0.upstream.ollamaURL = mock.baseURL }
        }
        let secrets = ["persist-good-0000001", "persist-revoked-00002"]
        var good = MockUpstream.Behavior()
        good.pathBodies["/api/tags"] = tagsBody(["qwen3:8b"])
        mock.set(good, forKey: secrets[0])
        mock.set(.status(401), forKey: secrets[1])

        let first = try await start()
        let ids = try await first.addKeys(secrets)
        _ = try await first.runJob("/admin/keys/health-check", json: [String: Any]())
        await first.stop(removeFiles: false)

        let second = try await start()
        #expect(second.gateway.pool.view(id: ids[0])?.models == ["qwen3:8b"])
        #expect(second.gateway.pool.view(id: ids[0])?.category == "qwen")
        #expect(second.gateway.pool.view(id: ids[1])?.status == .invalid)
        await second.stop(removeFiles: false)
        await mock.stop()
    }
}
