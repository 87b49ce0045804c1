import Foundation
import PoolCore
import Testing

@testable import PoolServer

@Suite("Providers: PROVIDERS_FILE")
struct ProviderFileTests {
    @Test("a JSON file's definitions are read with the wire's field names and their defaults")
    func json() throws {
        let text = """
            {"providers":[
              {"name":"gemini","base_url":"https://generativelanguage.googleapis.com/","openai_path":"/v1beta/openai",
               "probe":{"kind":"chat","model":"gemini-2.0-flash"},"headers":{"X-Team":"core"},
               "timeouts":{"first_byte":30},"aliases":{"gpt-4o-mini":"gemini-2.0-flash"}},
              {"name":"local","base_url":"http://127.0.0.1:11434","dialects":["openai","ollama"],"enabled":false}
            ]}
            """
        let definitions = try ProviderFile.parse(text, isTOML: false, name: "p.json")
        #expect(definitions.map(\.name.rawValue) == ["gemini", "local"])
        let gemini = definitions[0]
        #expect(gemini.baseURL == "https://generativelanguage.googleapis.com")
        #expect(gemini.openAIPath == "/v1beta/openai")
        #expect(gemini.dialects == [.openai])
        #expect(gemini.probe == .chat(model: "gemini-2.0-flash"))
        #expect(gemini.headers == ["X-Team": "core"])
        #expect(gemini.timeouts == ProviderTimeouts(firstByte: 30))
        #expect(gemini.upstreamModel(for: "gpt-4o-mini") == "gemini-2.0-flash")
        let local = definitions[1]
        #expect(local.dialects == [.openai, .ollama] && !local.enabled && local.probe == .models)
    }

    @Test("a TOML file's [[providers]] tables read the same as JSON")
    func toml() throws {
        let text = """
            [[providers]]
            name = "deepseek"
            base_url = "https://api.deepseek.com"
            probe = { kind = "key_info", path = "/user/balance" }
            headers = { "X-Team" = "core" }
            timeouts = { connect = 5, first_byte = 60.0 }

            [providers.aliases]
            "gpt-4o" = "deepseek-chat"

            [[providers]]
            name = "local"
            base_url = "http://127.0.0.1:11434"
            dialects = ["openai", "ollama"]
            """
        let definitions = try ProviderFile.parse(text, isTOML: true, name: "p.toml")
        #expect(definitions.map(\.name.rawValue) == ["deepseek", "local"])
        #expect(definitions[0].probe == .keyInfo(path: "/user/balance"))
        #expect(definitions[0].headers == ["X-Team": "core"])
        #expect(definitions[0].timeouts == ProviderTimeouts(connect: 5, firstByte: 60))
        #expect(definitions[0].aliases == ["gpt-4o": "deepseek-chat"])
        #expect(definitions[1].dialects == [.openai, .ollama])
    }

    @Test("a TOML file that is no TOML, or lacks a field, is refused with the line or the field")
    func badTOML() {
        #expect {
            try ProviderFile.parse("[[providers]]\nname = \n", isTOML: true, name: "p.toml")
        } throws: { error in
            "\(error)".contains("PROVIDERS_FILE p.toml: not valid TOML at line 2")
        }
        #expect {
            try ProviderFile.parse("[[providers]]\nname = \"acme\"\n", isTOML: true, name: "p.toml")
        } throws: { error in
            "\(error)" == "PROVIDERS_FILE p.toml: provider 1: 'base_url' is missing"
        }
    }

    @Test(
        "a bad file is refused with a message naming the file, the provider and the field, never a header value",
        arguments: [
            (
                #"{"providers":[{"name":"ok","base_url":"https://a.example"},{"name":"Bad Name","base_url":"https://b"}]}"#,
                "provider 2 ('Bad Name')", "name"
            ),
            (#"{"providers":[{"name":"acme","base_url":"ftp://a.example"}]}"#, "provider 1 ('acme')", "base_url"),
            (#"{"providers":[{"name":"acme"}]}"#, "provider 1", "base_url"),
            (
                #"{"providers":[{"name":"acme","base_url":"https://a.example","probe":{"kind":"ping"}}]}"#,
                "provider 1", "probe"
            ),
            (
                #"{"providers":[{"name":"acme","base_url":"https://a.example","timeouts":{"idle":"slow"}}]}"#,
                "provider 1", "timeouts.idle"
            ),
            (
                #"{"providers":[{"name":"acme","base_url":"https://a.example","headers":{"Authorization":"Bearer sk-secret-value"}}]}"#,
                "provider 1 ('acme')", "Authorization"
            ),
            (
                #"{"providers":[{"name":"acme","base_url":"https://a.example","headers":{"X-Key":"sk-secret-value\u0001"}}]}"#,
                "provider 1 ('acme')", "X-Key"
            ),
            (
                #"{"providers":[{"name":"acme","base_url":"https://a.example"},{"name":"acme","base_url":"https://b.example"}]}"#,
                "provider 2 ('acme')", "twice"
            ),
            (#"{"providers":[{"name":"v1","base_url":"https://a.example"}]}"#, "provider 1 ('v1')", "name"),
            (#"{"providers": [}"#, "p.json", "JSON"),
        ])
    func refused(text: String, provider: String, field: String) {
        #expect {
            try ProviderFile.parse(text, isTOML: false, name: "p.json")
        } throws: { error in
            let message = "\(error)"
            return message.contains("PROVIDERS_FILE p.json") && message.contains(provider) && message.contains(field)
                && !message.contains("sk-secret-value")
        }
    }

    @Test("a gateway does not start on a bad file, and says why")
    func stopsTheStart() async throws {
        let path = try writeTemporaryFile(#"{"providers":[{"name":"acme","base_url":"nope"}]}"#, name: "bad.json")
        await #expect {
            let gateway = try await TestGateway.start { $0.upstream.providersFile = path }
            await gateway.stop()
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("acme") && "\(error)".contains("base_url")
        }
        let missing = "/nonexistent/providers.toml"
        await #expect {
            let gateway = try await TestGateway.start { $0.upstream.providersFile = missing }
            await gateway.stop()
        } throws: { error in "\(error)".contains(missing) }
    }

    @Test("PROVIDERS_FILE and ROUTE_BY_MODEL are settings like the others")
    func settings() throws {
        var configuration = GatewayConfiguration()
        for setting in GatewayConfiguration.settings where setting.name == "PROVIDERS_FILE" {
            try setting.apply("/etc/pool/providers.toml", to: &configuration)
        }
        for setting in GatewayConfiguration.settings where setting.name == "ROUTE_BY_MODEL" {
            try setting.apply("1", to: &configuration)
        }
        #expect(configuration.upstream.providersFile == "/etc/pool/providers.toml")
        #expect(configuration.upstream.routeByModel)
        #expect(!GatewayConfiguration().upstream.routeByModel)
    }
}
