import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

/// The rules every typed admin body follows (`BodyFields`): aliases, types, `null`, unknown fields.
@Suite("Admin API: typed request bodies")
struct TypedBodyTests {
    static let secret = "ollama-typed-body-key-0001"

    @Test("a key is added under each of its names", arguments: ["apiKey", "api_key", "key"])
    func keyAliases(name: String) async throws {
        try await withRouterGateway { gateway in
            let reply = try await gateway.admin(.POST, "/admin/api-keys", json: [name: Self.secret])
            #expect(reply.status == 201, "\(reply.body)")
            #expect(gateway.gateway.pool.resolveID(Self.secret) != nil)
        }
    }

    @Test("a key is named for enable and delete by each of its names", arguments: ["id", "apiKey", "api_key"])
    func referenceAliases(name: String) async throws {
        try await withRouterGateway { gateway in
            let id = try #require(try await gateway.addKeys([Self.secret]).first)
            let reference = name == "id" ? id : Self.secret
            let enabled = try await gateway.admin(.POST, "/admin/keys/enable", json: [name: reference])
            #expect(enabled.status == 200, "\(enabled.body)")
            let deleted = try await gateway.admin(.DELETE, "/admin/api-keys", json: [name: reference])
            #expect(deleted.json["deleted"] as? Int == 1, "\(deleted.body)")
        }
    }

    @Test("an expiry is read from expiresAt and from expires_at", arguments: ["expiresAt", "expires_at"])
    func expiryAliases(name: String) async throws {
        try await withRouterGateway { gateway in
            let reply = try await gateway.admin(
                .POST, "/admin/tokens", json: ["name": "ci", name: "2031-05-06T07:08:09Z"])
            #expect(reply.status == 201, "\(reply.body)")
            #expect(reply.json["expires_at"] as? String == "2031-05-06T07:08:09Z")
        }
    }

    @Test("the page size is read from pageSize and from page_size", arguments: ["pageSize", "page_size"])
    func pageSizeAliases(name: String) async throws {
        try await withRouterGateway { gateway in
            try await gateway.addKeys((0..<3).map { "ollama-page-size-key-000\($0)" })
            let reply = try await gateway.admin(.GET, "/admin/api-keys?\(name)=2")
            #expect(reply.json["page_size"] as? Int == 2)
            #expect((reply.json["keys"] as? [Any])?.count == 2)
        }
    }

    @Test(
        "every import route takes its array as keys or as accounts",
        arguments: [
            "/admin/api-keys/import", "/admin/import", "/admin/api-keys/import-from-txt",
        ], ["keys", "accounts"])
    func importArrayAliases(path: String, name: String) async throws {
        try await withRouterGateway { gateway in
            let reply = try await gateway.admin(.POST, path, json: [name: [Self.secret]])
            #expect(reply.json["added"] as? Int == 1, "\(reply.body)")
        }
    }

    @Test(
        "a field of the wrong type is a 400 naming the field and the type it must have",
        arguments: [
            ("/admin/api-keys", #"{"apiKey": 42}"#, "field 'apiKey' must be a string"),
            ("/admin/api-keys", #"{"key": ["a"]}"#, "field 'key' must be a string"),
            ("/admin/api-keys", #"{"apiKey": "k-123456789", "username": {}}"#, "field 'username' must be a string"),
            ("/admin/keys/disable", #"{"id": "x", "duration": "long"}"#, "field 'duration' must be a number"),
            ("/admin/api-keys/import", #"{"keys": "not-an-array"}"#, "field 'keys' must be an array"),
            ("/admin/import", #"{"accounts": {"a": 1}}"#, "field 'accounts' must be an array"),
            ("/admin/keys/bulk", #"{"action": "enable", "ids": "k_1"}"#, "field 'ids' must be an array"),
            (
                "/admin/keys/bulk", #"{"action": "enable", "ids": ["k_1", 2]}"#,
                "field 'ids' must be an array of strings"
            ),
            ("/admin/tokens", #"{"name": 5}"#, "field 'name' must be a string"),
            ("/admin/tokens", #"{"name": "ci", "ttl": "soon"}"#, "field 'ttl' must be a number"),
            ("/admin/tokens", #"{"name": "ci", "expires_at": 1}"#, "field 'expires_at' must be a string"),
            ("/admin/cache/clear", #"{"provider": 1}"#, "field 'provider' must be a string"),
            ("/admin/api-keys/import-with-validation", #"{"content": false}"#, "field 'content' must be a string"),
        ])
    func wrongTypes(path: String, body: String, message: String) async throws {
        try await withRouterGateway { gateway in
            let reply = try await gateway.request(.POST, path, token: gateway.adminToken, body: body)
            #expect(reply.status == 400)
            #expect(reply.json["error"] as? String == message)
        }
    }

    @Test(
        "a boolean is not a number",
        arguments: [
            ("/admin/keys/disable", #"{"id": "x", "duration": true}"#, "field 'duration' must be a number"),
            (
                "/admin/keys/bulk", #"{"action": "disable", "status": "all", "duration": false}"#,
                "field 'duration' must be a number"
            ),
            ("/admin/tokens", #"{"name": "ci", "ttl": true}"#, "field 'ttl' must be a number"),
        ])
    func booleansAreNotNumbers(path: String, body: String, message: String) async throws {
        try await wrongTypes(path: path, body: body, message: message)
    }

    @Test(
        "the document itself: not JSON, not an object, empty, or too large",
        arguments: [
            ("{not json", 400, "request body is not valid JSON"),
            ("[1, 2]", 400, "request body must be a JSON object"),
            ("null", 400, "request body must be a JSON object"),
            (#""apiKey""#, 400, "request body must be a JSON object"),
            ("", 400, "request body is empty; expected a JSON object"),
            (
                #"{"apiKey": ""# + String(repeating: "a", count: 2048) + #""}"#, 413,
                "request body is larger than the limit of 1024 bytes"
            ),
        ])
    func documentErrors(body: String, status: Int, message: String) async throws {
        try await withRouterGateway({ $0.limits.maxBodyBytes = 1024 }) { gateway in
            let reply = try await gateway.request(.POST, "/admin/api-keys", token: gateway.adminToken, body: body)
            #expect(reply.status == status)
            #expect(reply.json["error"] as? String == message)
        }
    }

    @Test("null is the same as absent")
    func nullIsAbsent() async throws {
        try await withRouterGateway { gateway in
            let added = try await gateway.admin(
                .POST, "/admin/api-keys",
                json: [
                    "apiKey": NSNull(), "api_key": Self.secret, "username": NSNull(), "provider": NSNull(),
                    "ttl": NSNull(),
                    "expiresAt": NSNull(),
                ])
            #expect(added.status == 201, "\(added.body)")
            let key = try #require(added.json["key"] as? [String: Any])
            #expect(key["provider"] as? String == "ollama")
            #expect(key["expires_at"] == nil && key["username"] == nil)

            let missing = try await gateway.admin(.POST, "/admin/api-keys", json: ["apiKey": NSNull()])
            #expect(missing.json["error"] as? String == "field 'apiKey' is required")
            let noReference = try await gateway.admin(.POST, "/admin/keys/enable", json: ["id": NSNull()])
            #expect(noReference.json["error"] as? String == "field 'id' or 'apiKey' is required")
        }
    }

    @Test("unknown fields, and aliases behind the field in use, are ignored")
    func unknownFieldsAreIgnored() async throws {
        try await withRouterGateway { gateway in
            let reply = try await gateway.admin(
                .POST, "/admin/api-keys",
                json: [
                    "apiKey": Self.secret, "key": 5, "colour": "blue", "nested": ["deep": [1, true, NSNull()]],
                ])
            #expect(reply.status == 201, "\(reply.body)")
            let token = try await gateway.admin(
                .POST, "/admin/tokens", json: ["name": "ci", "ttl": 60, "expiresAt": 7])
            #expect(token.status == 201, "\(token.body)")
        }
    }

    static let span = "must be between 0 and 3155760000 seconds (a hundred years)"

    @Test(
        "the semantic checks keep their messages",
        arguments: [
            ("/admin/api-keys", #"{"apiKey": "   "}"#, "field 'apiKey' is required"),
            (
                "/admin/keys/disable", #"{"id": "ollama-semantic-key-0001", "duration": -1}"#,
                "field 'duration' \(Self.span)"
            ),
            (
                "/admin/keys/disable", #"{"id": "ollama-semantic-key-0001", "duration": 1e300}"#,
                "field 'duration' \(Self.span)"
            ),
            ("/admin/keys/bulk", #"{"ids": []}"#, "field 'action' is required"),
            ("/admin/tokens", #"{"name": "ci", "ttl": -5}"#, "field 'ttl' \(Self.span)"),
            ("/admin/tokens", #"{"name": "ci", "ttl": 9.2e18}"#, "field 'ttl' \(Self.span)"),
            (
                "/admin/tokens", #"{"name": "ci", "expiresAt": "9999-01-01T00:00:00Z"}"#,
                "field 'expiresAt' must be an ISO 8601 date within a hundred years"
            ),
            (
                "/admin/tokens", #"{"name": "ci", "expiresAt": "tomorrow"}"#,
                "field 'expiresAt' must be an ISO 8601 date within a hundred years"
            ),
            (
                "/admin/api-keys/import", #"{"provider": "ollama"}"#,
                "field 'keys' (an array) or 'content' (text) is required"
            ),
            ("/admin/import", "{}", "field 'accounts' (an array) or 'content' (text) is required"),
        ])
    func semanticMessages(path: String, body: String, message: String) async throws {
        try await withRouterGateway { gateway in
            try await gateway.addKeys(["ollama-semantic-key-0001"])
            let reply = try await gateway.request(.POST, path, token: gateway.adminToken, body: body)
            #expect(reply.json["error"] as? String == message, "\(reply.status) \(reply.body)")
        }
    }

    @Test("import array items reach the parser as JSONSerialization hands them: strings, objects and the rest")
    func heterogeneousImportItems() async throws {
        let items = #"""
            ["ollama-mixed-key-000001", {"api_key": "ollama-mixed-key-000002", "label": null, "username": "eve"},
             {"apiKey": 7}, {"username": "nobody"}, 3.5, true, null, ["nested"], {"key": "ollama-mixed-key-000003", "email": 1}]
            """#
        let array = try #require(try JSONSerialization.jsonObject(with: Data(items.utf8)) as? [Any])
        let expected = ImportParser.parse(jsonArray: array)
        try await withRouterGateway { gateway in
            let reply = try await gateway.request(
                .POST, "/admin/api-keys/import", token: gateway.adminToken, body: #"{"keys": \#(items)}"#)
            #expect(reply.json["added"] as? Int == expected.entries.count)
            let invalid = try #require(reply.json["invalid"] as? [[String: Any]])
            #expect(invalid.compactMap { $0["line"] as? Int } == expected.invalid.map(\.line))
            #expect(invalid.compactMap { $0["reason"] as? String } == expected.invalid.map(\.reason))
            #expect(gateway.gateway.pool.views().contains { $0.username == "eve" })
        }
    }

    @Test("100,000 keys import as a JSON array of strings and objects in one request")
    func hugeArrayImport() async throws {
        let items = (0..<100_000).map { index -> Any in
            index.isMultiple(of: 2)
                ? "ollama-array-key-\(index)-zz" : ["api_key": "ollama-array-key-\(index)-zz", "username": "u\(index)"]
        }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["keys": items]), as: UTF8.self)
        try await withRouterGateway { gateway in
            let started = ContinuousClock.now
            let reply = try await gateway.request(
                .POST, "/admin/api-keys/import", token: gateway.adminToken, body: body)
            let elapsed = ContinuousClock.now - started
            #expect(reply.json["added"] as? Int == 100_000, "\(reply.body.prefix(300))")
            #expect(gateway.gateway.pool.count(provider: .ollama) == 100_000)
            #expect(elapsed < .seconds(60), "took \(elapsed)")
        }
    }
}
