import Foundation
import PoolCore
import Testing

/// One tricky line and what the parser must make of it, whichever endpoint it arrives through.
struct ImportLineCase: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable {
        case entry(secret: String, username: String?)
        /// A problem whose reason contains this fragment.
        case problem(String)
        case skipped
    }

    var name: String
    var line: String
    var expected: Expected

    var testDescription: String { name }

    init(_ name: String, _ line: String, _ expected: Expected) {
        self.name = name
        self.line = line
        self.expected = expected
    }
}

/// A valid key the table and the JSON tests build their inputs around.
let key = "sk-abcdefgh12345"

private let lineCases: [ImportLineCase] = [
    ImportLineCase("plain key", key, .entry(secret: key, username: nil)),
    ImportLineCase("plain key with surrounding spaces and tabs", " \t \(key) \t", .entry(secret: key, username: nil)),
    ImportLineCase(
        "plain key wrapped in no-break spaces", "\u{00A0}\(key)\u{00A0}", .entry(secret: key, username: nil)),
    ImportLineCase("username----key", "alice----\(key)", .entry(secret: key, username: "alice")),
    ImportLineCase(
        "username----key with padded fields", "  alice  ----  \(key)  ", .entry(secret: key, username: "alice")),
    ImportLineCase(
        "three fields take first as username and last as key", "alice----x----\(key)",
        .entry(secret: key, username: "alice")),
    ImportLineCase(
        "four-field account export", "a@b.com----p@ss----sess-123----\(key)",
        .entry(secret: key, username: "a@b.com")
    ),
    ImportLineCase(
        "five-field account export", "a@b.com----p@ss----sess-123----other----\(key)",
        .entry(secret: key, username: "a@b.com")
    ),
    ImportLineCase(
        "six fields are too many", "a----b----c----d----e----\(key)", .problem("too many \"----\"-separated fields: 6")),
    ImportLineCase("empty key after separator", "alice----", .problem("key field is empty")),
    ImportLineCase("blank key after separator", "alice----   ", .problem("key field is empty")),
    ImportLineCase("bare separator", "----", .problem("key field is empty")),
    ImportLineCase(
        "trailing separator after a key leaves the key field empty", "\(key)----", .problem("key field is empty")),
    ImportLineCase("trailing separator after username----key", "alice----\(key)----", .problem("key field is empty")),
    ImportLineCase("empty username becomes nil", "----\(key)", .entry(secret: key, username: nil)),
    ImportLineCase("blank username becomes nil", "   ----\(key)", .entry(secret: key, username: nil)),
    ImportLineCase(
        "unicode username with inner space", "Zoë 用户 🚀----\(key)",
        .entry(secret: key, username: "Zoë 用户 🚀")
    ),
    ImportLineCase("space inside key", "alice----sk-abc defgh", .problem("key contains whitespace (U+0020)")),
    ImportLineCase("tab inside key", "sk-abc\tdefgh", .problem("key contains whitespace (U+0009)")),
    ImportLineCase(
        "control character inside key", "sk-abc\u{07}defgh", .problem("key contains a control character (U+0007)")),
    ImportLineCase(
        "zero-width space inside key", "sk-abc\u{200B}defgh", .problem("invisible formatting character (U+200B)")),
    ImportLineCase(
        "key of seven characters is too short", "1234567", .problem("key is too short: 7 characters, at least 8")),
    ImportLineCase("key of eight characters is accepted", "12345678", .entry(secret: "12345678", username: nil)),
    ImportLineCase("short key with username", "bob----abc", .problem("key is too short: 3 characters")),
    ImportLineCase(
        "key of 512 characters is accepted", String(repeating: "k", count: 512),
        .entry(secret: String(repeating: "k", count: 512), username: nil)
    ),
    ImportLineCase(
        "key of 513 characters is too long", String(repeating: "k", count: 513),
        .problem("key is too long: 513 characters, at most 512")
    ),
    ImportLineCase(
        "five dashes split after the first four", "alice-----\(key)", .entry(secret: "-" + key, username: "alice")),
    ImportLineCase("three dashes do not separate", "alice---\(key)", .entry(secret: "alice---\(key)", username: nil)),
    ImportLineCase(
        "eight dashes make an empty middle field", "alice--------\(key)", .entry(secret: key, username: "alice")),
    ImportLineCase("hash inside a key is kept", "sk-#abcdefgh", .entry(secret: "sk-#abcdefgh", username: nil)),
    ImportLineCase("comment line", "# exported keys", .skipped),
    ImportLineCase("indented comment line", "   #alice----\(key)", .skipped),
    ImportLineCase("empty line", "", .skipped),
    ImportLineCase("whitespace-only line", " \t ", .skipped),
]

@Suite("ImportParser")
struct ImportParserTests {
    // MARK: Single lines, through both entry points

    @Test("a line parses the same as text and as a JSON array string", arguments: lineCases)
    func lineParsesAsExpected(_ testCase: ImportLineCase) {
        let fromText = ImportParser.parse(text: testCase.line)
        let fromArray = ImportParser.parse(jsonArray: [testCase.line])
        for result in [fromText, fromArray] {
            switch testCase.expected {
            case .entry(let secret, let username):
                #expect(result.entries == [ImportEntry(secret: secret, username: username, line: 1)])
                #expect(result.invalid.isEmpty)
                #expect(result.total == 1)
            case .problem(let fragment):
                #expect(result.entries.isEmpty)
                #expect(result.invalid.count == 1)
                #expect(result.invalid.first?.line == 1)
                let reason = result.invalid.first?.reason ?? ""
                #expect(reason.contains(fragment), "reason was: \(reason)")
                #expect(result.total == 1)
            case .skipped:
                #expect(result.entries.isEmpty)
                #expect(result.invalid.isEmpty)
                #expect(result.total == 0)
            }
        }
    }

    @Test(
        "a problem reason never echoes the rejected secret",
        arguments: [
            "sk-secret value", "sk-secret\u{07}value", "sk-secret\u{200B}value", "shhhh",
            String(repeating: "Z", count: 600),
        ]
    )
    func reasonDoesNotLeakSecret(_ secret: String) throws {
        let result = ImportParser.parse(text: "alice----\(secret)")
        let problem = try #require(result.invalid.first)
        #expect(!problem.reason.contains(secret))
        #expect(!problem.reason.contains("secret"))
        #expect(!problem.reason.contains("ZZZZ"))
    }

    // MARK: Whole documents

    @Test("line numbers count blank and comment lines but total does not")
    func lineNumbersSkipBlanksAndComments() {
        let text = """
            # header comment

            alice----\(key)
              \t
            sk-second-key-0001
            #bob----\(key)
            bad key here
            carol----
            """
        let result = ImportParser.parse(text: text)
        #expect(
            result.entries == [
                ImportEntry(secret: key, username: "alice", line: 3),
                ImportEntry(secret: "sk-second-key-0001", username: nil, line: 5),
            ])
        #expect(result.invalid.map(\.line) == [7, 8])
        #expect(result.total == 4)
    }

    @Test(
        "line endings are LF, CRLF or lone CR alike",
        arguments: ["\n", "\r\n", "\r"]
    )
    func lineEndings(_ newline: String) {
        let text = ["alice----\(key)", "", "sk-second-key-0001", "short"].joined(separator: newline) + newline
        let result = ImportParser.parse(text: text)
        #expect(
            result.entries == [
                ImportEntry(secret: key, username: "alice", line: 1),
                ImportEntry(secret: "sk-second-key-0001", username: nil, line: 3),
            ])
        #expect(result.invalid.map(\.line) == [4])
        #expect(result.total == 3)
    }

    @Test("mixed line endings in one document keep line numbers right")
    func mixedLineEndings() {
        let result = ImportParser.parse(text: "k-line-0001\r\nk-line-0002\nk-line-0003\rk-line-0004")
        #expect(result.entries.map(\.line) == [1, 2, 3, 4])
        #expect(result.entries.map(\.secret) == ["k-line-0001", "k-line-0002", "k-line-0003", "k-line-0004"])
    }

    @Test("a UTF-8 BOM at the start is ignored")
    func byteOrderMarkIsIgnored() {
        let result = ImportParser.parse(text: "\u{FEFF}alice----\(key)\r\n\(key)\r\n")
        #expect(
            result.entries == [
                ImportEntry(secret: key, username: "alice", line: 1),
                ImportEntry(secret: key, username: nil, line: 2),
            ])
        #expect(result.invalid.isEmpty)
    }

    @Test("a BOM decoded from raw file bytes is ignored")
    func byteOrderMarkFromBytes() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("\(key)\n".utf8)
        let text = try #require(String(bytes: bytes, encoding: .utf8))
        #expect(ImportParser.parse(text: text).entries == [ImportEntry(secret: key, line: 1)])
    }

    @Test("duplicates are all returned in order for the caller to de-duplicate")
    func duplicatesAreKept() {
        let result = ImportParser.parse(text: "\(key)\nalice----\(key)\n\(key)")
        #expect(result.entries.map(\.secret) == [key, key, key])
        #expect(result.entries.map(\.line) == [1, 2, 3])
    }

    @Test(
        "empty and whitespace-only text yields nothing",
        arguments: ["", "\n\n", " \r\n\t\r\n", "\u{FEFF}", "# only\n#comments"])
    func emptyText(_ text: String) {
        let result = ImportParser.parse(text: text)
        #expect(result == ImportParseResult())
        #expect(result.total == 0)
    }

    @Test(
        "total always equals entries plus invalid",
        arguments: [
            "\(key)\nbad\n\n#c\nalice----\(key)",
            "[\"\(key)\", 1, {\"key\": \"\(key)\"}, {}, \"\"]",
            "[oops",
            "a----b----c----d----e----f\n\(key)",
        ]
    )
    func totalIsEntriesPlusInvalid(_ text: String) {
        let result = ImportParser.parse(text: text)
        #expect(result.total == result.entries.count + result.invalid.count)
        #expect(result.total > 0)
    }

    // MARK: Scale

    @Test("a 100,000-line upload parses to 100,000 entries with the right line numbers")
    func hundredThousandLines() throws {
        let count = 100_000
        var text = "\u{FEFF}"
        text.reserveCapacity(count * 64)
        for index in 1...count {
            let secret = "sk-\(index)-abcdefghijklmnop"
            switch index % 4 {
            case 0: text += secret
            case 1: text += "user\(index)----\(secret)"
            case 2: text += "u\(index)@example.com----pw----session----\(secret)"
            default: text += "u\(index)@example.com----pw----session----x----\(secret)"
            }
            text += index % 2 == 0 ? "\r\n" : "\n"
        }
        let clock = ContinuousClock()
        var result = ImportParseResult()
        let elapsed = clock.measure { result = ImportParser.parse(text: text) }
        print("ImportParser: parsed \(count) lines in \(elapsed)")

        #expect(result.entries.count == count)
        #expect(result.invalid.isEmpty)
        #expect(result.total == count)
        let last = try #require(result.entries.last)
        #expect(last == ImportEntry(secret: "sk-\(count)-abcdefghijklmnop", username: nil, line: count))
        #expect(result.entries[0] == ImportEntry(secret: "sk-1-abcdefghijklmnop", username: "user1", line: 1))
        #expect(result.entries[1].username == "u2@example.com")
        #expect(zip(result.entries, 1...count).allSatisfy { $0.line == $1 })
    }
}
