import Foundation
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

@Suite("Proxy: routing by model")
struct ModelRoutingTests {
    /// Two keys whose model lists the health check learns: one serves qwen, the other llama.
    func withModelPool(_ body: (TestGateway, MockUpstream, [String], String) async throws -> Void) async throws {
        try await withProxy { gateway, mock in
            let secrets = ["qwen-serving-key-0001", "llama-serving-key-002"]
            let ids = try await gateway.addKeys(secrets)
            var qwen = MockUpstream.Behavior()
            qwen.pathBodies["/api/tags"] = tagsBody(["qwen3:8b"])
            var llama = MockUpstream.Behavior()
            llama.pathBodies["/api/tags"] = tagsBody(["llama3.2:1b", "llama3:8b"])
            mock.set(qwen, forKey: secrets[0])
            mock.set(llama, forKey: secrets[1])
            _ = try await gateway.runJob("/admin/keys/health-check", json: [String: Any]())
            mock.reset()
            try await body(gateway, mock, ids, try await gateway.createToken())
        }
    }

    @Test("a request for a model goes only to keys known to serve it")
    func routesByModel() async throws {
        try await withModelPool { gateway, mock, ids, token in
            for _ in 0..<6 {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
                #expect(reply.status == 200)
                #expect(reply.header("x-pool-key-id") == ids[1])
            }
            #expect(Set(mock.keysUsed) == ["llama-serving-key-002"])
        }
    }

    @Test("a model no key serves is a 404 model_not_found naming the model, and no upstream call")
    func modelNotFound() async throws {
        try await withModelPool { gateway, mock, _, token in
            let body = #"{"model":"kimi-k2:1t","messages":[{"role":"user","content":"hi"}]}"#
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: body)
            #expect(reply.status == 404)
            let error = reply.json["error"] as? [String: Any]
            #expect(error?["message"] as? String == "model 'kimi-k2:1t' is not served by any key in the ollama pool")
            #expect(error?["type"] as? String == "invalid_request_error")
            #expect(error?["code"] as? String == GatewayError.Code.modelNotFound.rawValue)
            #expect(mock.received.isEmpty)
        }
    }

    @Test("when the keys that serve a model are all resting the client gets a 503, not a 404")
    func servingKeysResting() async throws {
        try await withModelPool { gateway, mock, ids, token in
            _ = try await gateway.admin(.POST, "/admin/keys/disable", json: ["id": ids[1], "duration": 600])
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 503)
            #expect(
                (reply.json["error"] as? [String: Any])?["code"] as? String == GatewayError.Code.noUsableKey.rawValue)
            #expect(mock.received.isEmpty)
        }
    }

    @Test("a key whose models are unknown serves every model")
    func unknownKeysServeEverything() async throws {
        try await withModelPool { gateway, _, _, token in
            let unknown = try await gateway.addKeys(["models-unknown-key-03"])[0]
            let body = #"{"model":"kimi-k2:1t","messages":[{"role":"user","content":"hi"}]}"#
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: body)
            #expect(reply.status == 200)
            #expect(reply.header("x-pool-key-id") == unknown)
        }
    }

    @Test("the admin list shows each key's models and category")
    func adminShowsModels() async throws {
        try await withModelPool { gateway, _, ids, _ in
            let list = try await gateway.admin(.GET, "/admin/api-keys")
            let keys = list.json["keys"] as! [[String: Any]]
            let qwen = keys.first { $0["id"] as? String == ids[0] }
            #expect(qwen?["models"] as? [String] == ["qwen3:8b"])
            #expect(qwen?["category"] as? String == "qwen")
            let searched = try await gateway.admin(.GET, "/admin/api-keys?search=llama")
            #expect((searched.json["keys"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[1]])
        }
    }
}
