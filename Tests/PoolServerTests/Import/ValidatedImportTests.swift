import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import PoolStore
import Testing

@Suite("Admin API: validated import")
struct ValidatedImportTests {
    /// One key in every condition the upstream can report.
    static let conditions: [(secret: String, behavior: MockUpstream.Behavior)] = {
        var good = MockUpstream.Behavior()
        good.pathBodies["/api/tags"] = tagsBody(["qwen3:8b", "qwen3-coder:30b", "llama3.2:1b"])
        return [
            ("good-key-0000000000001", good),
            ("revoked-key-00000000002", .status(401)),
            ("forbidden-key-000000003", .status(403)),
            ("broke-key-0000000000004", .status(402)),
            ("limited-key-00000000005", .status(429, headers: ["retry-after": "120"])),
            ("flaky-key-0000000000006", .status(503)),
        ]
    }()

    @Test(
        "keys in every condition are sorted: valid active, limited and broke cooling, rejected reported, unjudged kept")
    func everyCondition() async throws {
        try await withProxy(clock: ManualClock(Date())) { gateway, mock in
            for (secret, behavior) in Self.conditions { mock.set(behavior, forKey: secret) }
            let content = Self.conditions.map(\.secret).joined(separator: "\n") + "\nnot a key\n"
            let job = try await gateway.runJob("/admin/api-keys/import-with-validation", json: ["content": content])
            #expect(job["state"] as? String == "done")
            #expect(job["kind"] as? String == "validated_import")
            #expect(job["total"] as? Int == 6)
            #expect(job["done"] as? Int == 6)
            #expect(job["valid"] as? Int == 1)
            #expect(job["invalid"] as? Int == 2)

            let result = job["result"] as! [String: Any]
            #expect(result["total"] as? Int == 7)
            #expect(result["added"] as? Int == 4)
            #expect(result["duplicates"] as? Int == 0)
            #expect(result["valid"] as? Int == 1)
            #expect(result["rate_limited"] as? Int == 1)
            #expect(result["out_of_credit"] as? Int == 1)
            #expect(result["unverified"] as? Int == 1)
            #expect(result["categories"] as? [String: Int] == ["qwen": 1])
            #expect(result["invalid_count"] as? Int == 3)
            let invalid = result["invalid"] as! [[String: Any]]
            #expect(invalid.map { $0["line"] as? Int } == [2, 3, 7])
            #expect(invalid.map { $0["http_status"] as? Int } == [401, 403, nil])
            #expect(invalid[0]["api_key"] as? String == "revo…0002")
            #expect((invalid[0]["reason"] as? String)?.contains("401") == true)

            let pool = gateway.gateway.pool
            func view(_ secret: String) -> KeyView? { pool.resolveID(secret).flatMap { pool.view(id: $0) } }
            #expect(view("good-key-0000000000001")?.status == .active)
            #expect(view("good-key-0000000000001")?.models == ["qwen3:8b", "qwen3-coder:30b", "llama3.2:1b"])
            #expect(view("good-key-0000000000001")?.category == "qwen")
            #expect(view("revoked-key-00000000002") == nil)
            #expect(view("forbidden-key-000000003") == nil)
            #expect(view("broke-key-0000000000004")?.status == .cooling)
            #expect(view("limited-key-00000000005")?.status == .cooling)
            #expect(
                view("limited-key-00000000005")?.health.condition.endsAt
                    == gateway.gateway.clock.now.addingTimeInterval(120))
            #expect(view("flaky-key-0000000000006")?.status == .active)
            #expect(view("flaky-key-0000000000006")?.health.consecutiveFailures == 1)
        }
    }

    @Test("a key whose probe times out is unverified, not invalid: it joins the pool")
    func slowKey() async throws {
        try await withProxy({ $0.keyChecks.probeTimeout = 1 }) { gateway, mock in
            var slow = MockUpstream.Behavior()
            slow.delay = .seconds(60)
            mock.setDefault(slow)
            let job = try await gateway.runJob(
                "/admin/api-keys/import-with-validation", json: ["keys": ["slow-key-00000000000001"]])
            let result = job["result"] as! [String: Any]
            #expect(result["unverified"] as? Int == 1)
            #expect(result["added"] as? Int == 1)
            #expect((result["invalid"] as? [Any])?.isEmpty == true)
            let id = try #require(gateway.gateway.pool.resolveID("slow-key-00000000000001"))
            #expect(gateway.gateway.pool.view(id: id)?.status == .active)
        }
    }

    @Test("no answer shows a secret: job results and lists are masked")
    func noSecretsInAnswers() async throws {
        try await withProxy { gateway, mock in
            let secrets = ["masked-revoked-key-000001", "masked-good-key-00000002"]
            mock.set(.status(401), forKey: secrets[0])
            let job = try await gateway.runJob("/admin/api-keys/import-with-validation", json: ["keys": secrets])
            let reply = try await gateway.admin(.GET, "/admin/jobs/\(job["id"] as! String)")
            let list = try await gateway.admin(.GET, "/admin/jobs")
            for body in [reply.body, list.body] {
                for secret in secrets { #expect(!body.contains(secret)) }
            }
        }
    }

    @Test("the call answers 202 with a job at once, and the job list shows it, so progress survives a reload")
    func jobIsListed() async throws {
        try await withProxy { gateway, mock in
            var slow = MockUpstream.Behavior()
            slow.delay = .milliseconds(300)
            mock.setDefault(slow)
            let started = try await gateway.admin(
                .POST, "/admin/api-keys/import-with-validation",
                json: [
                    "content": "listed-key-000000000001\nlisted-key-000000000002"
                ])
            #expect(started.status == 202)
            let id = try #require(started.json["job_id"] as? String)
            let list = try await gateway.admin(.GET, "/admin/jobs")
            let listed = (list.json["jobs"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            #expect(listed?["kind"] as? String == "validated_import")
            #expect(listed?["result"] == nil)
            let finished = try await gateway.awaitJob(id)
            #expect(finished["state"] as? String == "done")
            #expect(finished["rate_per_s"] is Double || finished["rate_per_s"] is Int)
            #expect((finished["result"] as? [String: Any])?["added"] as? Int == 2)
        }
    }

    @Test("keys already in the pool or repeated in the batch are duplicates and are not probed")
    func duplicates() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["present-key-0000000001"])
            mock.reset()
            let job = try await gateway.runJob(
                "/admin/api-keys/import-with-validation",
                json: [
                    "content": "present-key-0000000001\nfresh-key-000000000002\nfresh-key-000000000002"
                ])
            let result = job["result"] as! [String: Any]
            #expect(result["total"] as? Int == 3)
            #expect(result["added"] as? Int == 1)
            #expect(result["duplicates"] as? Int == 2)
            #expect(Set(mock.keysUsed) == ["fresh-key-000000000002"])
        }
    }

    @Test("probes never exceed VALIDATION_CONCURRENCY at the upstream")
    func concurrencyBound() async throws {
        try await withProxy({ $0.keyChecks.concurrency = 4 }) { gateway, mock in
            var slow = MockUpstream.Behavior()
            slow.delay = .milliseconds(40)
            mock.setDefault(slow)
            let secrets = (0..<48).map { "bounded-key-\(1000 + $0)-abcdef" }
            let job = try await gateway.runJob("/admin/api-keys/import-with-validation", json: ["keys": secrets])
            #expect((job["result"] as? [String: Any])?["added"] as? Int == 48)
            #expect(mock.maxConcurrentRequests >= 1)
            #expect(mock.maxConcurrentRequests <= 4)
        }
    }

    @Test(
        "OpenRouter keys are probed with GET /v1/key, which records label, limit and usage; a spent limit is out of credit"
    )
    func openRouterCredit() async throws {
        try await withProxy { gateway, mock in
            var funded = MockUpstream.Behavior()
            funded.pathBodies["/api/v1/key"] =
                #"{"data":{"label":"sk-or-v1-fun...ded","limit":10,"usage":2.5,"limit_remaining":7.5,"is_free_tier":false}}"#
            var spent = MockUpstream.Behavior()
            spent.pathBodies["/api/v1/key"] =
                #"{"data":{"label":"sk-or-v1-spe...ent","limit":5,"usage":5,"limit_remaining":0,"is_free_tier":false}}"#
            mock.set(funded, forKey: "sk-or-v1-funded-0000000001")
            mock.set(spent, forKey: "sk-or-v1-spent-00000000002")
            let job = try await gateway.runJob(
                "/admin/api-keys/import-with-validation",
                json: [
                    "provider": "openrouter", "keys": ["sk-or-v1-funded-0000000001", "sk-or-v1-spent-00000000002"],
                ])
            let result = job["result"] as! [String: Any]
            #expect(result["valid"] as? Int == 1)
            #expect(result["out_of_credit"] as? Int == 1)
            #expect(Set(mock.received.map(\.path)) == ["/api/v1/key"])

            let list = try await gateway.admin(.GET, "/admin/api-keys?provider=openrouter")
            let keys = list.json["keys"] as! [[String: Any]]
            let funded0 = keys.first { ($0["credit"] as? [String: Any])?["label"] as? String == "sk-or-v1-fun...ded" }
            let credit = funded0?["credit"] as? [String: Any]
            #expect(credit?["limit"] as? Double == 10)
            #expect(credit?["usage"] as? Double == 2.5)
            #expect(funded0?["status"] as? String == "active")
            #expect(funded0?["models"] as? [String] == [])
            let spent0 = keys.first { ($0["credit"] as? [String: Any])?["label"] as? String == "sk-or-v1-spe...ent" }
            #expect(spent0?["status"] as? String == "cooling")
        }
    }

    @Test("a 10,000-key validated import completes with correct counts")
    func tenThousandKeys() async throws {
        try await withProxy({
            $0.keyChecks.concurrency = 32
            $0.keyChecks.ollamaProbe = .models
        }) { gateway, mock in
            let secrets = (0..<10_000).map { "bulk-import-key-\(100_000 + $0)" }
            for (index, secret) in secrets.enumerated() where index % 10 == 3 { mock.set(.status(401), forKey: secret) }
            // A long Retry-After keeps the cooled keys cooling however long a loaded machine takes to run this.
            for (index, secret) in secrets.enumerated() where index % 10 == 7 {
                mock.set(.status(429, headers: ["retry-after": "86400"]), forKey: secret)
            }
            let job = try await gateway.runJob(
                "/admin/api-keys/import-with-validation",
                json: [
                    "content": secrets.joined(separator: "\n")
                ])
            #expect(job["state"] as? String == "done")
            #expect(job["done"] as? Int == 10_000)
            #expect(job["valid"] as? Int == 8_000)
            #expect(job["invalid"] as? Int == 1_000)
            let result = job["result"] as! [String: Any]
            #expect(result["total"] as? Int == 10_000)
            #expect(result["added"] as? Int == 9_000)
            #expect(result["rate_limited"] as? Int == 1_000)
            #expect(result["invalid_count"] as? Int == 1_000)
            #expect((result["invalid"] as? [Any])?.count == 1_000)
            let counts = gateway.gateway.pool.statusCounts(provider: .ollama)
            #expect(counts == [.active: 8_000, .cooling: 1_000])
            #expect(mock.received.count == 10_000)
            #expect(mock.maxConcurrentRequests <= 32)
            let stored = try await gateway.gateway.store.loadSnapshot().keys.count
            #expect(stored == 9_000)
        }
    }

    @Test("a huge bad upload keeps exact counts but lists only the first 10,000 problems")
    func problemListLimit() async throws {
        try await withProxy { gateway, mock in
            let content = Array(repeating: "no good", count: 10_005).joined(separator: "\n")
            let job = try await gateway.runJob("/admin/api-keys/import-with-validation", json: ["content": content])
            let result = job["result"] as! [String: Any]
            #expect(result["total"] as? Int == 10_005)
            #expect(result["invalid_count"] as? Int == 10_005)
            #expect((result["invalid"] as? [Any])?.count == 10_000)
            #expect(result["invalid_truncated"] as? Bool == true)
            #expect(mock.received.isEmpty)
        }
    }

    @Test(
        "bad input is a 400 naming the problem, never a 500",
        arguments: [
            #"{}"#, #"{"content":5}"#, #"{"keys":"abc"}"#, #"{"content":"key-0000000001","provider":"nope"}"#,
            #"{"content":"key-0000000001","ttl":-1}"#, #"[1,2]"#, #"not json"#,
        ])
    func badInput(body: String) async throws {
        try await withGateway { gateway in
            let reply = try await gateway.request(
                .POST, "/admin/api-keys/import-with-validation", token: gateway.adminToken, body: body)
            #expect(reply.status == 400)
            #expect(reply.json["error"] is String)
        }
    }

    @Test("an unknown job is a 404")
    func unknownJob() async throws {
        try await withGateway { gateway in
            let reply = try await gateway.admin(.GET, "/admin/jobs/job_nope")
            #expect(reply.status == 404)
        }
    }
}
