import Foundation
import NIOHTTP1
import Testing

@Suite("Admin API: client tokens and stats")
struct AdminTokensTests {
    @Test("a token is shown once at creation; lists show its prefix only; revoking removes it")
    func lifecycle() async throws {
        try await withRouterGateway { gateway in
            let created = try await gateway.admin(
                .POST, "/admin/tokens", json: ["name": "ci", "ttl": 3600, "provider": "ollama"])
            #expect(created.status == 201)
            let token = created.json["token"] as! String
            let id = created.json["id"] as! String
            #expect(token.hasPrefix("sk-") && token.count == 51)
            #expect(created.json["expires_at"] is String)

            for path in ["/admin/tokens", "/admin/client-tokens"] {
                let list = try await gateway.admin(.GET, path)
                #expect(list.status == 200)
                #expect(!list.body.contains(token))
                let first = (list.json["tokens"] as! [[String: Any]])[0]
                #expect(first["id"] as? String == id)
                #expect(first["provider"] as? String == "ollama")
                #expect((first["prefix"] as? String)?.hasPrefix(String(token.prefix(10))) == true)
            }
            let revoked = try await gateway.admin(.DELETE, "/admin/tokens/\(id)")
            #expect(revoked.status == 200)
            let list = try await gateway.admin(.GET, "/admin/tokens")
            #expect(list.json["total"] as? Int == 0)
            let again = try await gateway.admin(.DELETE, "/admin/client-tokens", json: ["id": id])
            #expect(again.status == 404)
        }
    }

    // Over TCP with SQLite: the answer names the store the gateway really runs on.
    @Test("health reports version, uptime, storage and per-provider key counts without auth")
    func health() async throws {
        try await withGateway { gateway in
            try await gateway.addKeys(["ollama-health-key-1", "ollama-health-key-2"])
            let reply = try await gateway.request(.GET, "/health")
            #expect(reply.status == 200)
            #expect(reply.json["status"] as? String == "ok")
            #expect(reply.json["version"] as? String == "0.1.0")
            #expect(reply.json["storage"] as? String == "sqlite")
            #expect(reply.json["uptime_seconds"] is Int)
            let ollama = (reply.json["providers"] as! [String: Any])["ollama"] as! [String: Any]
            #expect(ollama["keys_total"] as? Int == 2)
            #expect(ollama["keys_active"] as? Int == 2)
            #expect(ollama["enabled"] as? Bool == true)
        }
    }

    // Over TCP: a browser's preflight, answered as a real connection sees it.
    @Test("CORS allows any origin and answers preflights including PATCH")
    func cors() async throws {
        try await withGateway { gateway in
            let preflight = try await gateway.request(
                .OPTIONS, "/v1/chat/completions",
                headers: [
                    "origin": "https://example.com", "access-control-request-method": "POST",
                ])
            #expect(preflight.header("access-control-allow-origin") == "*")
            #expect(preflight.header("access-control-allow-methods")?.contains("PATCH") == true)
        }
    }

    @Test("stats overview counts keys by status and tokens")
    func stats() async throws {
        try await withRouterGateway { gateway in
            let ids = try await gateway.addKeys(["ollama-stats-key-1", "ollama-stats-key-2", "ollama-stats-key-3"])
            _ = try await gateway.admin(.POST, "/admin/keys/disable", json: ["id": ids[0]])
            _ = try await gateway.createToken()
            let reply = try await gateway.admin(.GET, "/admin/stats")
            let keys = reply.json["keys"] as! [String: Any]
            #expect(keys["total"] as? Int == 3)
            #expect(keys["active"] as? Int == 2)
            #expect(keys["disabled"] as? Int == 1)
            #expect(reply.json["tokens"] as? Int == 1)
            let perKey = try await gateway.admin(.GET, "/admin/keys/stats")
            #expect((perKey.json["keys"] as? [Any])?.count == 3)
            #expect(!perKey.body.contains("ollama-stats-key-1"))
        }
    }
}
