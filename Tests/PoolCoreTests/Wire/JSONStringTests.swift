import Foundation
import PoolCore
import Testing

@Suite("JSON string literals")
struct JSONStringTests {
    @Test("quoted text reads back as the same text, escapes and all", arguments: [
        "", "k_0123456789abc", "say \"no\"", "back\\slash", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1f}", "é — 🙂 模型",
        "\u{7f}\u{2028}",
    ])
    func roundTrip(text: String) throws {
        var json = ""
        JSONString.appendQuoted(text, to: &json)
        #expect(!json.unicodeScalars.contains { $0.value < 0x20 })
        let decoded = try JSONDecoder().decode(String.self, from: Data(json.utf8))
        #expect(decoded == text)
        var bytes: [UInt8] = []
        JSONString.appendQuoted(text, to: &bytes)
        #expect(bytes == Array(json.utf8))
    }

    @Test("short escapes where JSON has them, \\u00XX for other control characters")
    func escapes() {
        var json = ""
        JSONString.appendQuoted("a\"b\\c\nd\u{1}", to: &json)
        #expect(json == #""a\"b\\c\nd\u0001""#)
    }
}
