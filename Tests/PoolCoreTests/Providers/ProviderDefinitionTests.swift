import Foundation
import Testing

@testable import PoolCore

@Suite("Provider definitions, rules, catalog and presets")
struct ProviderDefinitionTests {
    func decode(_ json: String) throws -> ProviderDefinition {
        try JSONDecoder().decode(ProviderDefinition.self, from: Data(json.utf8))
    }

    func valid(_ definition: ProviderDefinition) -> Bool {
        do {
            try ProviderRules.validate(definition)
            return true
        } catch {
            return false
        }
    }

    @Test("a definition with only name and base_url gets every default")
    func defaults() throws {
        let definition = try decode(#"{"name": "groq", "base_url": "https://api.groq.com/openai"}"#)
        #expect(
            definition
                == ProviderDefinition(
                    name: ProviderID(rawValue: "groq"), baseURL: "https://api.groq.com/openai", openAIPath: "/v1",
                    dialects: [.openai], probe: .models, headers: [:], timeouts: ProviderTimeouts(), aliases: [:],
                    enabled: true))
        #expect(throws: DecodingError.self) { try decode(#"{"name": "groq"}"#) }
        #expect(throws: DecodingError.self) {
            try decode(#"{"name": "x", "base_url": "https://x", "probe": {"kind": "ping"}}"#)
        }
    }

    @Test("every field round-trips through JSON in snake_case")
    func roundTrip() throws {
        let probes: [ProviderProbe] = [.chat(model: "llama3"), .models, .keyInfo(path: "/v1/key")]
        for probe in probes {
            let definition = ProviderDefinition(
                name: ProviderID(rawValue: "gemini"), baseURL: "https://generativelanguage.googleapis.com",
                openAIPath: "/v1beta/openai", dialects: [.openai, .anthropic], probe: probe,
                headers: ["X-Team": "a"], timeouts: ProviderTimeouts(connect: 2, firstByte: 30, idle: 60),
                aliases: ["fast": "gemini-2.0-flash"], enabled: false)
            let data = try JSONEncoder().encode(definition)
            let text = String(decoding: data, as: UTF8.self)
            for field in ["base_url", "openai_path", "first_byte", "\"kind\""] { #expect(text.contains(field)) }
            #expect(!text.contains("baseURL"))
            #expect(try JSONDecoder().decode(ProviderDefinition.self, from: data) == definition)
        }
        let keyInfo = try decode(#"{"name": "x", "base_url": "https://x", "probe": {"kind": "key_info"}}"#)
        #expect(keyInfo.probe == .keyInfo(path: "/v1/key"))
    }

    @Test("rules accept a sound definition and refuse each kind of bad field")
    func rules() {
        let good = ProviderDefinition(
            name: ProviderID(rawValue: "my-llm_2"), baseURL: "http://127.0.0.1:8080/", headers: ["X-Org": "team"],
            timeouts: ProviderTimeouts(connect: 1), aliases: ["a": "b"])
        #expect(valid(good))
        var changes: [(String, (inout ProviderDefinition) -> Void)] = [
            ("upper-case name", { $0.name = ProviderID(rawValue: "Groq") }),
            ("reserved name", { $0.name = ProviderID(rawValue: "admin") }),
            ("long name", { $0.name = ProviderID(rawValue: String(repeating: "a", count: 33)) }),
            ("digit first", { $0.name = ProviderID(rawValue: "1abc") }),
            ("ftp URL", { $0.baseURL = "ftp://host" }),
            ("query in URL", { $0.baseURL = "https://host/?a=1" }),
            ("userinfo in URL", { $0.baseURL = "https://user:pw@host" }),
            ("no host", { $0.baseURL = "https://" }),
            ("relative openai_path", { $0.openAIPath = "v1" }),
            ("no dialects", { $0.dialects = [] }),
            ("empty probe model", { $0.probe = .chat(model: "") }),
            ("relative probe path", { $0.probe = .keyInfo(path: "key") }),
            ("reserved header", { $0.headers = ["Authorization": "Bearer x"] }),
            ("bad header name", { $0.headers = ["X Bad": "v"] }),
            ("control in header value", { $0.headers = ["X-Ok": "a\nb"] }),
            ("zero timeout", { $0.timeouts = ProviderTimeouts(idle: 0) }),
            ("huge timeout", { $0.timeouts = ProviderTimeouts(firstByte: 100_000) }),
            ("empty alias", { $0.aliases = ["": "b"] }),
        ]
        changes.append(("reserved header any case", { $0.headers = ["x-api-KEY": "v"] }))
        changes.append(("content type header", { $0.headers = ["Content-Type": "text/plain"] }))
        changes.append(("request id header", { $0.headers = ["X-Request-Id": "fixed"] }))
        changes.append(("port zero", { $0.baseURL = "http://host:0" }))
        changes.append(("port too large", { $0.baseURL = "http://host:99999" }))
        changes.append(("port not a number", { $0.baseURL = "http://host:80a/v1" }))
        changes.append(("empty port", { $0.baseURL = "http://host:/v1" }))
        for (label, change) in changes {
            var definition = good
            change(&definition)
            #expect(!valid(definition), "\(label) was accepted")
        }
    }

    @Test("a refused header value is never echoed")
    func headerValueNotEchoed() {
        var definition = ProviderDefinition(name: ProviderID(rawValue: "x"), baseURL: "https://x")
        definition.headers = ["X-Secret": "hunter2\u{1}"]
        do {
            try ProviderRules.validate(definition)
            Issue.record("accepted a control character")
        } catch {
            #expect(!error.message.contains("hunter2"))
        }
    }

    @Test("the catalog lists built-ins first, then the others by name; an override changes only editable fields")
    func catalog() throws {
        let ollama = ProviderPresets.ollama(baseURL: "https://ollama.com/", probe: .chat(model: "gpt-oss:20b"))
        let openRouter = ProviderPresets.openRouter(
            baseURL: "https://openrouter.ai/api", referer: "https://me.example", title: nil)
        #expect(ollama.baseURL == "https://ollama.com")
        #expect(ollama.dialects == [.openai, .ollama, .anthropic])
        #expect(openRouter.probe == .keyInfo(path: "/v1/key"))
        #expect(openRouter.headers == ["HTTP-Referer": "https://me.example"])
        let zeta = ProviderDefinition(name: ProviderID(rawValue: "zeta"), baseURL: "https://z")
        let alpha = ProviderDefinition(name: ProviderID(rawValue: "alpha"), baseURL: "https://a")
        let override = ProviderDefinition(
            name: .openrouter, baseURL: "https://evil.example", dialects: [.anthropic], probe: .models,
            headers: ["X-Title": "pool"], aliases: ["fast": "x/y"], enabled: false)
        let catalog = ProviderCatalog(builtIn: [ollama, openRouter], defined: [zeta, override, alpha])
        #expect(catalog.names.map(\.rawValue) == ["ollama", "openrouter", "alpha", "zeta"])
        let merged = try #require(catalog[.openrouter])
        #expect(merged.baseURL == "https://openrouter.ai/api")
        #expect(merged.dialects == [.openai])
        #expect(merged.probe == .models)
        #expect(merged.headers == ["HTTP-Referer": "https://me.example", "X-Title": "pool"])
        #expect(merged.aliases == ["fast": "x/y"])
        #expect(!merged.enabled)
        #expect(catalog.isBuiltIn(.openrouter) && !catalog.isBuiltIn(ProviderID(rawValue: "alpha")))
        #expect(catalog.named("ALPHA") == ProviderID(rawValue: "alpha"))
        #expect(catalog.named("beta") == nil)
        #expect(throws: UnknownProvider.self) { try catalog.parse("beta") }
        do {
            _ = try catalog.parse("beta")
        } catch {
            #expect(error.description.contains("ollama, openrouter, alpha, zeta"))
        }
        // A disabled preset stays disabled whatever the override says.
        var disabledPreset = openRouter
        disabledPreset.enabled = false
        var enabling = override
        enabling.enabled = true
        #expect(ProviderPresets.applyOverride(enabling, to: disabledPreset).enabled == false)
        #expect(merged.upstreamModel(for: "fast") == "x/y" && merged.upstreamModel(for: "slow") == "slow")
    }

    @Test("placements default to weight 1 tier 1, round-trip, and refuse out-of-range values")
    func placements() throws {
        #expect(KeyPlacement() == KeyPlacement(weight: 1, tier: 1))
        let decoded = try JSONDecoder().decode(KeyPlacement.self, from: Data(#"{"weight": 7, "tier": 3}"#.utf8))
        #expect(decoded == KeyPlacement(weight: 7, tier: 3))
        #expect(try JSONDecoder().decode(KeyPlacement.self, from: JSONEncoder().encode(decoded)) == decoded)
        #expect(try KeyPlacement.checked(weight: nil, tier: nil).get() == KeyPlacement())
        #expect(try KeyPlacement.checked(weight: 100, tier: 9).get() == KeyPlacement(weight: 100, tier: 9))
        for (weight, tier, field) in [(0, 1, "weight"), (101, 1, "weight"), (1, 0, "tier"), (1, 10, "tier")] {
            guard case .failure(let error) = KeyPlacement.checked(weight: weight, tier: tier) else {
                Issue.record("accepted weight \(weight) tier \(tier)")
                continue
            }
            #expect(error.message.hasPrefix(field))
        }
    }

    @Test("identity: the secret alone without a base URL; URL and secret (trailing slash ignored) with one")
    func identity() {
        #expect(KeyIdentity.of(baseURL: nil, secret: "s") == "s")
        #expect(KeyIdentity.of(baseURL: "https://a/", secret: "s") == KeyIdentity.of(baseURL: "https://a", secret: "s"))
        #expect(KeyIdentity.of(baseURL: "https://a", secret: "s") != KeyIdentity.of(baseURL: "https://b", secret: "s"))
        #expect(KeyIdentity.of(baseURL: "https://a", secret: "s") != KeyIdentity.of(baseURL: nil, secret: "s"))
        #expect(
            KeyIdentity.of(baseURL: "HTTP://gpu1:11434", secret: "")
                == KeyIdentity.of(baseURL: "http://gpu1:11434", secret: ""))
        #expect(ProviderRules.normalizedBaseURL("HTTPS://Host:443/v1/") == "https://Host:443/v1")
        #expect((try? ProviderRules.validateBaseURL("HTTP://10.0.0.5:11434", field: "base_url")) != nil)
        #expect((try? ProviderRules.validateBaseURL("http://[::1]:11434/v1", field: "base_url")) != nil)
        #expect((try? ProviderRules.validateBaseURL("http://[::1]:0", field: "base_url")) == nil)
        let record = KeyRecord(provider: .ollama, secret: "s", createdAt: Date(), baseURL: "https://a//")
        #expect(record.identity == KeyIdentity.of(baseURL: "https://a", secret: "s"))
    }
}
