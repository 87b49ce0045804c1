import Foundation
import PoolCore
import Testing

@Suite("ImportParser: endpoints, weights and tiers")
struct ImportParserEndpointTests {
    let secret = "sk-endpoint-secret-123"

    @Test("a URL line is a keyless endpoint; URL----key is an endpoint with a key")
    func endpointLines() {
        let text = """
            http://127.0.0.1:11434/
              HTTPS://gpu.example:8443/base----\(secret)
            alice----\(secret)
            \(secret)
            """
        let result = ImportParser.parse(text: text)
        #expect(
            result.entries == [
                ImportEntry(secret: "", line: 1, baseURL: "http://127.0.0.1:11434"),
                ImportEntry(secret: secret, line: 2, baseURL: "https://gpu.example:8443/base"),
                ImportEntry(secret: secret, username: "alice", line: 3),
                ImportEntry(secret: secret, line: 4),
            ])
        #expect(result.invalid.isEmpty)
    }

    @Test("bad endpoint lines are problems for their line, never echoing the key")
    func badEndpointLines() {
        let text = """
            http://----\(secret)
            https://host.example?x=1----\(secret)
            https://host.example----short
            https://host.example----has space\(secret)
            https://host.example----a----\(secret)
            http://user:pw@host.example
            """
        let result = ImportParser.parse(text: text)
        #expect(result.entries.isEmpty)
        #expect(result.invalid.map(\.line) == [1, 2, 3, 4, 5, 6])
        for problem in result.invalid {
            #expect(!problem.reason.contains(secret))
            #expect(!problem.reason.contains("pw"))
        }
        #expect(result.invalid[2].reason.contains("too short"))
    }

    @Test("JSON objects carry base_url (or url), an optional key, weight and tier")
    func jsonObjects() {
        let text = """
            [
              {"base_url": "http://10.0.0.5:11434/"},
              {"url": "https://gpu.example", "api_key": "\(secret)", "weight": 5, "tier": 2, "username": "ops"},
              {"api_key": "\(secret)", "weight": 100, "tier": 9},
              {"base_url": "https://gpu.example", "api_key": ""},
              {"base_url": null, "api_key": "\(secret)", "weight": null}
            ]
            """
        let result = ImportParser.parse(text: text)
        #expect(result.invalid.isEmpty)
        #expect(
            result.entries == [
                ImportEntry(secret: "", line: 1, baseURL: "http://10.0.0.5:11434"),
                ImportEntry(
                    secret: secret, username: "ops", line: 2, baseURL: "https://gpu.example",
                    placement: KeyPlacement(weight: 5, tier: 2)),
                ImportEntry(secret: secret, line: 3, placement: KeyPlacement(weight: 100, tier: 9)),
                ImportEntry(secret: "", line: 4, baseURL: "https://gpu.example"),
                ImportEntry(secret: secret, line: 5),
            ])
    }

    @Test("out-of-range or mistyped weight and tier, bad URLs and bad keys are problems for their entry")
    func badObjects() {
        let objects: [Any] = [
            ["api_key": secret, "weight": 0],
            ["api_key": secret, "weight": 101],
            ["api_key": secret, "tier": 10],
            ["api_key": secret, "tier": "2"],
            ["api_key": secret, "weight": 1.5],
            ["base_url": "ftp://host.example", "api_key": secret],
            ["base_url": 7],
            ["base_url": "https://host.example", "api_key": "bad key with spaces"],
            ["base_url": "https://host.example", "api_key": "tiny"],
            ["api_key": ""],
            ["weight": 3],
            ["api_key": secret, "weight": 2, "tier": 3],
        ]
        let result = ImportParser.parse(jsonArray: objects)
        #expect(result.invalid.map(\.line) == Array(1...11))
        #expect(result.entries == [ImportEntry(secret: secret, line: 12, placement: KeyPlacement(weight: 2, tier: 3))])
        #expect(result.invalid[0].reason.contains("weight"))
        #expect(result.invalid[2].reason.contains("tier"))
        #expect(result.invalid[5].reason.contains("http"))
        for problem in result.invalid { #expect(!problem.reason.contains(secret)) }
    }

    @Test("a JSON boolean is not a weight")
    func booleanWeight() throws {
        let decoded = try JSONSerialization.jsonObject(with: Data(#"[{"api_key": "\#(secret)", "weight": true}]"#.utf8))
        let result = ImportParser.parse(jsonArray: try #require(decoded as? [Any]))
        #expect(result.entries.isEmpty)
        #expect(result.invalid.map(\.line) == [1])
    }
}
