import Foundation
import PoolCore
import Testing

@Suite("ImportParser: JSON arrays")
struct ImportParserJSONTests {
    @Test("text that is a JSON array of strings uses each string as a line")
    func jsonArrayOfStringsInText() {
        let text = """
            \u{FEFF}
              ["\(key)", "alice----\(key)", "a@b.com----pw----sess----\(key)", "", "# note", "short"]
            """
        let result = ImportParser.parse(text: text)
        #expect(
            result.entries == [
                ImportEntry(secret: key, username: nil, line: 1),
                ImportEntry(secret: key, username: "alice", line: 2),
                ImportEntry(secret: key, username: "a@b.com", line: 3),
            ])
        #expect(result.invalid.map(\.line) == [6])
        #expect(result.total == 4)
    }

    @Test("text that is a JSON array of objects reads every key and username spelling")
    func jsonArrayOfObjectsInText() {
        let text = """
            [
              {"api_key": "k-api-key-01", "username": "alice"},
              {"apiKey": "k-apiKey-002", "email": "bob@example.com"},
              {"key": "  k-key-00003  ", "label": "Zoë 用户"},
              {"api_key": "k-no-user-04"},
              {"api_key": "k-blank-user", "username": "   "},
              {"api_key": "k-null-user5", "username": null}
            ]
            """
        let result = ImportParser.parse(text: text)
        #expect(
            result.entries == [
                ImportEntry(secret: "k-api-key-01", username: "alice", line: 1),
                ImportEntry(secret: "k-apiKey-002", username: "bob@example.com", line: 2),
                ImportEntry(secret: "k-key-00003", username: "Zoë 用户", line: 3),
                ImportEntry(secret: "k-no-user-04", username: nil, line: 4),
                ImportEntry(secret: "k-blank-user", username: nil, line: 5),
                ImportEntry(secret: "k-null-user5", username: nil, line: 6),
            ])
        #expect(result.invalid.isEmpty)
    }

    @Test("an object prefers api_key over apiKey over key, and username over email over label")
    func objectFieldPreference() {
        let result = ImportParser.parse(jsonArray: [
            [
                "key": "k-third-0001", "apiKey": "k-second-001", "api_key": "k-first-0001",
                "label": "L", "email": "E", "username": "U",
            ] as [String: Any],
            ["key": "k-third-0002", "apiKey": "k-second-002", "label": "L", "email": "E"] as [String: Any],
            ["api_key": NSNull(), "key": "k-fallback-3"] as [String: Any],
        ])
        #expect(
            result.entries == [
                ImportEntry(secret: "k-first-0001", username: "U", line: 1),
                ImportEntry(secret: "k-second-002", username: "E", line: 2),
                ImportEntry(secret: "k-fallback-3", username: nil, line: 3),
            ])
    }

    @Test("a mixed array keeps good elements and explains each bad one by index")
    func mixedJSONArray() throws {
        let text = """
            [
              "alice----\(key)",
              {"api_key": "\(key)", "username": "bob"},
              42,
              true,
              null,
              ["nested"],
              {"username": "no key"},
              {"api_key": 12345678},
              {"api_key": "\(key)", "username": 7},
              {"api_key": "has space in it"},
              {"key": ""},
              "a----b----c----d----e----f",
              "carol----"
            ]
            """
        let result = ImportParser.parse(text: text)
        #expect(
            result.entries == [
                ImportEntry(secret: key, username: "alice", line: 1),
                ImportEntry(secret: key, username: "bob", line: 2),
            ])
        let reasons = Dictionary(uniqueKeysWithValues: result.invalid.map { ($0.line, $0.reason) })
        #expect(reasons.keys.sorted() == Array(3...13))
        #expect(reasons[3] == "expected a string or an object, got a number or boolean")
        #expect(reasons[4] == "expected a string or an object, got a number or boolean")
        #expect(reasons[5] == "expected a string or an object, got null")
        #expect(reasons[6] == "expected a string or an object, got an array")
        #expect(reasons[7] == "object has no \"api_key\", \"apiKey\" or \"key\" field")
        #expect(reasons[8] == "\"api_key\" must be a string, got a number or boolean")
        #expect(reasons[9] == "\"username\" must be a string, got a number or boolean")
        #expect(try #require(reasons[10]).hasPrefix("key contains whitespace"))
        #expect(reasons[11] == "\"key\" is empty")
        #expect(try #require(reasons[12]).hasPrefix("too many"))
        #expect(reasons[13] == "key field is empty")
        #expect(result.total == 13)
    }

    @Test("an object's key field is not split on separators")
    func objectKeyIsNotSplit() {
        let result = ImportParser.parse(jsonArray: [["api_key": "abcd----efgh"] as [String: Any]])
        #expect(result.entries == [ImportEntry(secret: "abcd----efgh", username: nil, line: 1)])
    }

    @Test("a decoded request body array parses like the same content as text")
    func decodedBodyArray() throws {
        let body = Data(
            """
            {"keys": ["\(key)", "alice----\(key)", {"apiKey": "\(key)", "label": "prod"}, 3.5]}
            """.utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let array = try #require(object["keys"] as? [Any])
        let result = ImportParser.parse(jsonArray: array)
        #expect(
            result.entries == [
                ImportEntry(secret: key, username: nil, line: 1),
                ImportEntry(secret: key, username: "alice", line: 2),
                ImportEntry(secret: key, username: "prod", line: 3),
            ])
        #expect(
            result.invalid == [
                ImportProblem(line: 4, reason: "expected a string or an object, got a number or boolean")
            ])
    }

    @Test(
        "text starting with a bracket that is not valid JSON is one problem on line 1",
        arguments: [
            "[", "[\"\(key)\", ", "  [not json]", "\u{FEFF}[\"a\" \"b\"]", "[\"\(key)\"]\n\(key)",
            "[{\"api_key\": \"x\"}",
        ]
    )
    func invalidJSON(_ text: String) throws {
        let result = ImportParser.parse(text: text)
        #expect(result.entries.isEmpty)
        #expect(result.total == 1)
        let problem = try #require(result.invalid.first)
        #expect(problem.line == 1)
        #expect(problem.reason.hasPrefix("content looks like a JSON array but is not valid JSON: "))
        #expect(problem.reason.count > "content looks like a JSON array but is not valid JSON: ".count)
    }

    @Test("an empty JSON array yields nothing")
    func emptyJSONArray() {
        #expect(ImportParser.parse(text: " [ ] ") == ImportParseResult())
        #expect(ImportParser.parse(jsonArray: []) == ImportParseResult())
    }

    @Test("a problem encodes as line and reason")
    func problemIsCodable() throws {
        let problem = ImportProblem(line: 3, reason: "key is empty")
        let data = try JSONEncoder().encode(problem)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["line"] as? Int == 3)
        #expect(object["reason"] as? String == "key is empty")
        #expect(try JSONDecoder().decode(ImportProblem.self, from: data) == problem)
    }
}
