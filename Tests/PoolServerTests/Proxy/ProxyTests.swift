import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

let chatBody = #"{"model":"llama3.2:1b","messages":[{"role":"user","content":"hi"}]}"#
let streamBody = #"{"model":"llama3.2:1b","stream":true,"messages":[{"role":"user","content":"hi"}]}"#

@Suite("Proxy: OpenAI-compatible routes")
struct ProxyTests {
    @Test("a chat completion passes through byte for byte with the pool's headers")
    func passThrough() async throws {
        try await withProxy { gateway, mock in
            let ids = try await gateway.addKeys(["upstream-key-aaaaaaaa"])
            let token = try await gateway.createToken()
            let reply = try await gateway.request(
                .POST, "/v1/chat/completions", token: token,
                headers: [
                    "x-request-id": "req-123", "x-custom": "kept", "connection": "keep-alive, x-hop", "x-hop": "1",
                    "openai-organization": "org",
                ], body: chatBody)
            #expect(reply.status == 200)
            #expect(reply.json["object"] as? String == "chat.completion")
            #expect(reply.header("x-request-id") == "req-123")
            #expect(reply.header("x-pool-key-id") == ids[0])
            #expect(reply.header("x-pool-attempts") == "1")
            #expect(reply.header("content-type") == "application/json")

            let seen = mock.received[0]
            #expect(seen.path == "/v1/chat/completions")
            #expect(seen.body == chatBody)
            #expect(seen.key == "upstream-key-aaaaaaaa")
            #expect(seen.headers["x-custom"] == "kept")
            #expect(seen.headers["openai-organization"] == "org")
            #expect(seen.headers["x-request-id"] == "req-123")
            #expect(seen.headers["authorization"] == "Bearer upstream-key-aaaaaaaa")
            #expect(seen.headers["connection"] == nil)
            #expect(seen.headers["x-hop"] == nil)
        }
    }

    @Test(
        "every route family reaches its provider's upstream path",
        arguments: [
            ("/v1/chat/completions", "/v1/chat/completions", "ollama"),
            ("/v1/completions", "/v1/completions", "ollama"),
            ("/v1/embeddings", "/v1/embeddings", "ollama"),
            ("/ollama/v1/chat/completions", "/v1/chat/completions", "ollama"),
            ("/openrouter/v1/chat/completions", "/api/v1/chat/completions", "openrouter"),
            ("/openrouter/v1/embeddings", "/api/v1/embeddings", "openrouter"),
        ])
    func routing(path: String, upstreamPath: String, provider: String) async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["routing-key-\(provider)-1234"], provider: provider)
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, path, token: token, body: chatBody)
            #expect(reply.status == 200)
            #expect(mock.received.last?.path == upstreamPath)
            #expect(mock.received.last?.key == "routing-key-\(provider)-1234")
        }
    }

    @Test("models need a client token too, and are listed from the upstream")
    func models() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["models-key-12345678"])
            let anonymous = try await gateway.request(.GET, "/v1/models")
            #expect(anonymous.status == 401)
            #expect(mock.received.isEmpty)
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.GET, "/v1/models", token: token)
            #expect(reply.status == 200)
            #expect(reply.json["object"] as? String == "list")
            #expect(mock.received.last?.method == "GET")
        }
    }

    @Test("client auth failures are 401 OpenAI error objects and spend no key")
    func clientAuth() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["auth-key-12345678"])
            let scoped = try await gateway.createToken(name: "or", provider: "openrouter")
            let expiring = try await gateway.createToken(name: "short", ttl: 0.5)
            try await Task.sleep(for: .milliseconds(700))
            for (token, fragment) in [
                (nil, "missing"), ("sk-unknown", "invalid"), (scoped, "limited"), (expiring, "expired"),
            ] as [(String?, String)] {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
                #expect(reply.status == 401)
                let error = reply.json["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.contains(fragment) == true, "\(reply.body)")
                #expect(error?["type"] as? String == "authentication_error")
                #expect(error?["code"] as? String == GatewayError.Code.invalidAPIKey.rawValue)
            }
            #expect(mock.received.isEmpty)
            let viaHeader = try await gateway.request(
                .POST, "/openrouter/v1/chat/completions", headers: ["x-api-key": scoped], body: chatBody)
            #expect(viaHeader.status != 401)
        }
    }

    @Test("malformed JSON is a 400 from the gateway without spending a key; oversized is a 413")
    func badBodies() async throws {
        try await withProxy({ $0.limits.maxBodyBytes = 4096 }) { gateway, mock in
            try await gateway.addKeys(["body-key-12345678"])
            let token = try await gateway.createToken()
            for body in ["{nope", "", "[1,2,3]", "\"text\""] {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: body)
                #expect(reply.status == 400, "body \(body)")
                #expect((reply.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            }
            let big =
                #"{"model":"m","messages":[{"role":"user","content":""# + String(repeating: "x", count: 8000) + #""}]}"#
            let tooLarge = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: big)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.json["error"] is [String: Any])
            #expect(mock.received.isEmpty)
        }
    }

    @Test("a disabled provider answers 503 with a clear message")
    func disabledProvider() async throws {
        try await withProxy({ $0.upstream.disabledProviders = [.openrouter] }) { gateway, _ in
            let token = try await gateway.createToken()
            let reply = try await gateway.request(
                .POST, "/openrouter/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 503)
            #expect(((reply.json["error"] as? [String: Any])?["message"] as? String)?.contains("disabled") == true)
        }
    }

    @Test("OpenRouter requests carry the configured attribution headers")
    func openRouterAttribution() async throws {
        try await withProxy({
            $0.upstream.openRouterReferer = "https://pool.example"
            $0.upstream.openRouterTitle = "Pool"
        }) { gateway, mock in
            try await gateway.addKeys(["sk-or-attribution-1234"], provider: "openrouter")
            let token = try await gateway.createToken()
            _ = try await gateway.request(.POST, "/openrouter/v1/chat/completions", token: token, body: chatBody)
            #expect(mock.received.last?.headers["http-referer"] == "https://pool.example")
            #expect(mock.received.last?.headers["x-title"] == "Pool")
        }
    }

    @Test("an empty pool answers 503 no_keys")
    func emptyPool() async throws {
        try await withProxy { gateway, _ in
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 503)
            #expect((reply.json["error"] as? [String: Any])?["code"] as? String == GatewayError.Code.noKeys.rawValue)
        }
    }
}
