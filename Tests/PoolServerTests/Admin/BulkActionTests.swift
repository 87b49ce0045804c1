import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import PoolStore
import Testing

@Suite("Admin API: bulk key actions")
struct BulkActionTests {
    @Test("disable by ids, then enable by status, each answering with counts, and the store keeps it")
    func disableThenEnable() async throws {
        try await withRouterGateway { gateway in
            let ids = try await gateway.addKeys([
                "bulk-key-000000000001", "bulk-key-000000000002", "bulk-key-000000000003",
            ])
            let disabled = try await gateway.admin(
                .POST, "/admin/keys/bulk",
                json: [
                    "action": "disable", "ids": [ids[0], "bulk-key-000000000002", "k_missing"],
                ])
            #expect(disabled.status == 200)
            #expect(disabled.json["action"] as? String == "disable")
            #expect(disabled.json["matched"] as? Int == 2)
            #expect(disabled.json["changed"] as? Int == 2)
            #expect(disabled.json["not_found"] as? Int == 1)
            #expect(!disabled.body.contains("bulk-key-000000000002"))
            #expect(gateway.gateway.pool.statusCounts(provider: .ollama) == [.disabled: 2, .active: 1])
            let stored = try await gateway.gateway.store.loadSnapshot().keys
            #expect(stored.filter { $0.health.isDisabledByAdmin(at: Date()) }.count == 2)

            let again = try await gateway.admin(
                .POST, "/admin/keys/bulk", json: ["action": "enable", "status": "disabled"])
            #expect(again.json["matched"] as? Int == 2)
            #expect(again.json["changed"] as? Int == 2)
            #expect(gateway.gateway.pool.statusCounts(provider: .ollama) == [.active: 3])

            let noop = try await gateway.admin(.POST, "/admin/keys/bulk", json: ["action": "enable", "status": "all"])
            #expect(noop.json["matched"] as? Int == 3)
            #expect(noop.json["changed"] as? Int == 0)
        }
    }

    @Test("a disable with a duration ends by itself")
    func timedDisable() async throws {
        let clock = ManualClock(Date())
        try await withRouterGateway(clock: clock) { gateway in
            let ids = try await gateway.addKeys(["timed-bulk-key-000001"])
            let reply = try await gateway.admin(
                .POST, "/admin/keys/bulk", json: ["action": "disable", "ids": ids, "duration": 600])
            #expect(reply.json["changed"] as? Int == 1)
            #expect(gateway.gateway.pool.view(id: ids[0])?.status == .disabled)
            clock.advance(by: 600)
            #expect(gateway.gateway.pool.view(id: ids[0])?.status == .active)
        }
    }

    @Test("delete by status removes the keys from the pool and the store")
    func deleteByStatus() async throws {
        try await withRouterGateway { gateway in
            let ids = try await gateway.addKeys([
                "keep-key-000000000001", "drop-key-000000000002", "drop-key-000000000003",
            ])
            for id in ids.dropFirst() {
                gateway.gateway.pool.updateHealth(id: id) { health, _ in
                    health.condition = .invalid(reason: "upstream answered 401")
                }
            }
            let reply = try await gateway.admin(
                .POST, "/admin/keys/bulk", json: ["action": "delete", "status": "invalid"])
            #expect(reply.json["matched"] as? Int == 2)
            #expect(reply.json["changed"] as? Int == 2)
            #expect(gateway.gateway.pool.views().map(\.id) == [ids[0]])
            #expect(try await gateway.gateway.store.loadSnapshot().keys.map(\.id) == [ids[0]])
        }
    }

    @Test("status filters stay within the selected pool")
    func providerScope() async throws {
        try await withRouterGateway { gateway in
            try await gateway.addKeys(["ollama-scope-key-0001"])
            try await gateway.addKeys(["sk-or-v1-scope-key-0002"], provider: "openrouter")
            let reply = try await gateway.admin(
                .POST, "/admin/keys/bulk", json: ["action": "disable", "status": "all", "provider": "openrouter"])
            #expect(reply.json["matched"] as? Int == 1)
            #expect(gateway.gateway.pool.statusCounts(provider: .ollama) == [.active: 1])
            #expect(gateway.gateway.pool.statusCounts(provider: .openrouter) == [.disabled: 1])
        }
    }

    // Over TCP: the job probes a mock upstream.
    @Test("verify runs as a job and answers 202 with its id")
    func verify() async throws {
        try await withProxy { gateway, mock in
            let secrets = ["verify-bulk-key-00001", "verify-bulk-key-00002"]
            let ids = try await gateway.addKeys(secrets)
            mock.set(.status(401), forKey: secrets[1])
            let reply = try await gateway.admin(.POST, "/admin/keys/bulk", json: ["action": "verify", "ids": ids])
            #expect(reply.status == 202)
            #expect(reply.json["matched"] as? Int == 2)
            let job = try await gateway.awaitJob(try #require(reply.json["job_id"] as? String))
            #expect(job["kind"] as? String == "verify")
            let result = job["result"] as! [String: Any]
            #expect(result["valid"] as? Int == 1)
            #expect(result["invalid"] as? Int == 1)
            #expect(gateway.gateway.pool.view(id: ids[1])?.status == .invalid)
        }
    }

    @Test(
        "bad bulk requests are 400s that change nothing",
        arguments: [
            #"{"ids":["k_1"]}"#, #"{"action":"explode","ids":[]}"#, #"{"action":"delete"}"#,
            #"{"action":"disable","status":"sleepy"}"#, #"{"action":"disable","status":"all","duration":-5}"#,
            #"{"action":"enable","ids":"k_1"}"#, #"{"action":"enable","status":"all","provider":"nope"}"#, #"[]"#,
        ])
    func badInput(body: String) async throws {
        try await withRouterGateway { gateway in
            try await gateway.addKeys(["untouched-key-0000001"])
            let reply = try await gateway.request(.POST, "/admin/keys/bulk", token: gateway.adminToken, body: body)
            #expect(reply.status == 400)
            #expect(reply.json["error"] is String)
            #expect(gateway.gateway.pool.statusCounts(provider: .ollama) == [.active: 1])
        }
    }
}
