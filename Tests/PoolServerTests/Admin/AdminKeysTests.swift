import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

@Suite("Admin API: keys")
struct AdminKeysTests {
    @Test("admin routes refuse a missing or wrong token with 401 and a JSON error")
    func adminAuth() async throws {
        try await withRouterGateway { gateway in
            let missing = try await gateway.request(.GET, "/admin/api-keys")
            #expect(missing.status == 401)
            #expect((missing.json["error"] as? String)?.contains("admin token") == true)
            let wrong = try await gateway.request(.GET, "/admin/api-keys", token: "nope")
            #expect(wrong.status == 401)
            let lowercaseScheme = try await gateway.request(
                .GET, "/admin/api-keys", headers: ["authorization": "bearer \(gateway.adminToken)"])
            #expect(lowercaseScheme.status == 200)
        }
    }

    @Test("a key added one by one is listed masked, with its id, and can be deleted by id or by secret")
    func addListDelete() async throws {
        try await withRouterGateway { gateway in
            let secret = "ollama-0123456789abcdefghij"
            let added = try await gateway.admin(
                .POST, "/admin/api-keys", json: ["apiKey": secret, "username": "alice@example.com"])
            #expect(added.status == 201)
            #expect(!added.body.contains(secret))
            let key = added.json["key"] as! [String: Any]
            #expect(key["api_key"] as? String == "olla…ghij")
            #expect(key["username"] as? String == "alice@example.com")
            #expect(key["status"] as? String == "active")
            let id = key["id"] as! String

            let again = try await gateway.admin(.POST, "/admin/api-keys", json: ["apiKey": secret])
            #expect(again.status == 409)

            let list = try await gateway.admin(.GET, "/admin/api-keys")
            #expect(list.status == 200)
            #expect(!list.body.contains(secret))
            #expect((list.json["keys"] as? [[String: Any]])?.first?["id"] as? String == id)

            let deleted = try await gateway.admin(.DELETE, "/admin/api-keys/\(id)")
            #expect(deleted.status == 200)
            #expect(gateway.gateway.pool.count(provider: .ollama) == 0)

            try await gateway.addKeys([secret])
            let bySecret = try await gateway.admin(.DELETE, "/admin/api-keys", json: ["apiKey": secret])
            #expect(bySecret.status == 200)
            #expect(bySecret.json["deleted"] as? Int == 1)
            let missing = try await gateway.admin(.DELETE, "/admin/api-keys/k_doesnotexist")
            #expect(missing.status == 404)
        }
    }

    @Test("the provider comes from the query or the body, defaults to ollama, and an unknown one is a 400")
    func providerSelection() async throws {
        try await withRouterGateway { gateway in
            _ = try await gateway.admin(
                .POST, "/admin/api-keys?provider=openrouter", json: ["apiKey": "sk-or-v1-aaaaaaaaaaaaaaaa"])
            _ = try await gateway.admin(
                .POST, "/admin/api-keys", json: ["apiKey": "sk-or-v1-bbbbbbbbbbbbbbbb", "provider": "openrouter"])
            _ = try await gateway.admin(.POST, "/admin/api-keys", json: ["apiKey": "ollama-cccccccccccccccc"])
            #expect(gateway.gateway.pool.count(provider: .openrouter) == 2)
            #expect(gateway.gateway.pool.count(provider: .ollama) == 1)
            let listed = try await gateway.admin(.GET, "/admin/api-keys?provider=openrouter")
            #expect(listed.json["total"] as? Int == 2)
            let unknown = try await gateway.admin(.GET, "/admin/api-keys?provider=anthropic")
            #expect(unknown.status == 400)
            #expect((unknown.json["error"] as? String)?.contains("unknown provider") == true)
            let unknownInBody = try await gateway.admin(
                .POST, "/admin/api-keys/import", json: ["keys": ["abcdefgh12345"], "provider": "nope"])
            #expect(unknownInBody.status == 400)
        }
    }

    @Test("every import endpoint accepts every format and reports totals that add up")
    func importFormats() async throws {
        try await withRouterGateway { gateway in
            let text = """
                # a comment
                alice@example.com----pw----session----ollama-key-aaaaaaaaaaaa

                bob----ollama-key-bbbbbbbbbbbb
                ollama-key-cccccccccccc
                ollama-key-cccccccccccc
                user----
                bad key with spaces
                """
            let fromText = try await gateway.admin(.POST, "/admin/api-keys/import-from-txt", json: ["content": text])
            #expect(fromText.status == 200)
            #expect(fromText.json["total"] as? Int == 6)
            #expect(fromText.json["added"] as? Int == 3)
            #expect(fromText.json["duplicates"] as? Int == 1)
            let invalid = fromText.json["invalid"] as! [[String: Any]]
            #expect(invalid.map { $0["line"] as? Int } == [7, 8])

            let accounts = try await gateway.admin(
                .POST, "/admin/import",
                json: [
                    "accounts": [
                        "x@y.z----p----s----ollama-key-dddddddddddd",
                        ["api_key": "ollama-key-eeeeeeeeeeee", "username": "eve"], "ollama-key-aaaaaaaaaaaa",
                    ]
                ])
            #expect(accounts.json["added"] as? Int == 2)
            #expect(accounts.json["duplicates"] as? Int == 1)

            let jsonContent = try await gateway.admin(
                .POST, "/admin/api-keys/import",
                json: ["content": #"["ollama-key-ffffffffffff", {"apiKey": "ollama-key-gggggggggggg"}]"#])
            #expect(jsonContent.json["added"] as? Int == 2)
            #expect(jsonContent.json["total"] as? Int == 2)

            let views = gateway.gateway.pool.views(provider: .ollama)
            #expect(views.count == 7)
            #expect(views.contains { $0.username == "alice@example.com" })
            #expect(views.contains { $0.username == "eve" })
        }
    }

    @Test("listing paginates, filters by status and searches")
    func pagination() async throws {
        try await withRouterGateway { gateway in
            let secrets = (0..<25).map { String(format: "ollama-key-%04d-abcdefgh", $0) }
            let ids = try await gateway.addKeys(secrets)
            _ = try await gateway.admin(.POST, "/admin/keys/disable", json: ["id": ids[3], "duration": 600])
            let page2 = try await gateway.admin(.GET, "/admin/api-keys?page=2&pageSize=10")
            #expect((page2.json["keys"] as? [Any])?.count == 10)
            #expect(page2.json["total_pages"] as? Int == 3)
            let disabled = try await gateway.admin(.GET, "/admin/api-keys?status=disabled")
            #expect(disabled.json["total"] as? Int == 1)
            let bySecret = try await gateway.admin(.GET, "/admin/api-keys?search=\(secrets[7])")
            #expect((bySecret.json["keys"] as? [[String: Any]])?.first?["id"] as? String == ids[7])
            #expect(!bySecret.body.contains(secrets[7]))
            let farPage = try await gateway.admin(.GET, "/admin/api-keys?page=9223372036854775807&pageSize=200")
            #expect(farPage.status == 200)
            #expect((farPage.json["keys"] as? [Any])?.isEmpty == true)
            let pastEnd = try await gateway.admin(.GET, "/admin/api-keys?page=4&pageSize=10")
            #expect((pastEnd.json["keys"] as? [Any])?.isEmpty == true)
            let lastPage = try await gateway.admin(.GET, "/admin/api-keys?page=3&pageSize=10")
            #expect((lastPage.json["keys"] as? [Any])?.count == 5)
            let tooBig = try await gateway.admin(.GET, "/admin/api-keys?pageSize=201")
            #expect(tooBig.status == 400)
            let badStatus = try await gateway.admin(.GET, "/admin/api-keys?status=sleepy")
            #expect(badStatus.status == 400)
        }
    }

    @Test("disable with a duration, disable until enabled, and enable")
    func enableDisable() async throws {
        try await withRouterGateway { gateway in
            let secret = "ollama-key-enable-disable-1"
            let id = try await gateway.addKeys([secret])[0]
            let timed = try await gateway.admin(
                .POST, "/admin/keys/disable", json: ["apiKey": secret, "duration": 120])
            #expect(timed.status == 200)
            let key = timed.json["key"] as! [String: Any]
            #expect(key["status"] as? String == "disabled")
            #expect(key["disabled_until"] is String)
            let forever = try await gateway.admin(.POST, "/admin/keys/disable", json: ["id": id])
            #expect((forever.json["key"] as! [String: Any])["disabled_until"] == nil)
            let enabled = try await gateway.admin(.POST, "/admin/keys/enable", json: ["id": id])
            #expect((enabled.json["key"] as! [String: Any])["status"] as? String == "active")
            let unknown = try await gateway.admin(.POST, "/admin/keys/enable", json: ["id": "k_missing"])
            #expect(unknown.status == 404)
            let negative = try await gateway.admin(.POST, "/admin/keys/disable", json: ["id": id, "duration": -1])
            #expect(negative.status == 400)
        }
    }

    @Test(
        "bad input gets a 4xx JSON error, never a 500",
        arguments: [
            ("POST", "/admin/api-keys", "{not json"),
            ("POST", "/admin/api-keys", "[1,2]"),
            ("POST", "/admin/api-keys", "{}"),
            ("POST", "/admin/api-keys", #"{"apiKey": 42}"#),
            ("POST", "/admin/api-keys/import", #"{"keys": "not-an-array"}"#),
            ("POST", "/admin/api-keys/import", "{}"),
            ("POST", "/admin/api-keys/import-from-txt", #"{"content": 5}"#),
            ("POST", "/admin/keys/disable", #"{"id": "x", "duration": "long"}"#),
            ("POST", "/admin/keys/enable", ""),
            ("POST", "/admin/tokens", #"{"name": ""}"#),
            ("POST", "/admin/tokens", #"{"name": "x", "provider": "nope"}"#),
            ("GET", "/admin/nothing-here", nil),
        ] as [(String, String, String?)])
    func badInput(method: String, path: String, body: String?) async throws {
        try await withRouterGateway { gateway in
            let reply = try await gateway.request(
                HTTPMethod(rawValue: method), path, token: gateway.adminToken, body: body)
            #expect((400..<500).contains(reply.status), "\(method) \(path) answered \(reply.status)")
            #expect(reply.json["error"] is String, "body was \(reply.body)")
        }
    }

    @Test("an oversized body is a 413 with a JSON error")
    func oversized() async throws {
        try await withRouterGateway({
            $0.limits.maxBodyBytes = 2048
            $0.limits.maxImportBytes = 2048
        }) { gateway in
            let big = #"{"content":""# + String(repeating: "a", count: 4096) + #""}"#
            let reply = try await gateway.request(
                .POST, "/admin/api-keys/import-from-txt", token: gateway.adminToken, body: big)
            #expect(reply.status == 413)
            #expect((reply.json["error"] as? String)?.contains("2048") == true)
        }
    }

    // Over TCP: the timing is meant to include a 6 MB body crossing a real socket and the SQLite write.
    @Test("100,000 keys import in one request")
    func hugeImport() async throws {
        try await withGateway { gateway in
            let content = (0..<100_000).map { "user\($0)@example.com----pw----session----ollama-bulk-key-\($0)-zz" }
                .joined(separator: "\n")
            let reply = try await gateway.admin(.POST, "/admin/api-keys/import-from-txt", json: ["content": content])
            #expect(reply.status == 200)
            #expect(reply.json["added"] as? Int == 100_000)
            #expect(reply.json["total"] as? Int == 100_000)
            #expect(gateway.gateway.pool.count(provider: .ollama) == 100_000)
            let again = try await gateway.admin(.POST, "/admin/api-keys/import-from-txt", json: ["content": content])
            #expect(again.json["duplicates"] as? Int == 100_000)
        }
    }
}
