import Foundation
import PoolCore
import Testing

@Suite("JSON scanner")
struct JSONScannerTests {
    func members(_ text: String, _ keys: [String] = ["model", "stream"]) throws -> [String: JSONScanner.Value] {
        try Array(text.utf8).withUnsafeBytes { try JSONScanner.members(of: $0, named: .init(keys)).dictionary }
    }

    func failure(_ text: String) -> JSONScanner.Failure? {
        do {
            _ = try members(text)
            return nil
        } catch {
            return error as? JSONScanner.Failure
        }
    }

    @Test("reads the wanted top-level members and nothing nested")
    func topLevelOnly() throws {
        let body =
            #"{"messages":[{"role":"user","content":"{\"model\":\"fake\"}","model":"nested"}],"model":"llama3.2:1b","stream":true,"temperature":0.2}"#
        #expect(try members(body) == ["model": .string("llama3.2:1b"), "stream": .bool(true)])
    }

    @Test("types are reported as they are; the caller decides what a wrong type means")
    func types() throws {
        #expect(try members(#"{"model":7,"stream":"yes"}"#) == ["model": .integer(7), "stream": .string("yes")])
        #expect(try members(#"{"model":null,"stream":false}"#) == ["model": .other, "stream": .bool(false)])
        #expect(try members(#"{"model":1.5e3,"stream":[true]}"#) == ["model": .other, "stream": .other])
        #expect(try members(#"{"model":{"a":1}}"#) == ["model": .other])
        #expect(try members(#"{"n":-12}"#, ["n"]) == ["n": .integer(-12)])
        #expect(try members(#"{"n":99999999999999999999}"#, ["n"]) == ["n": .other])
        #expect(try members("{}") == [:])
    }

    @Test("the last of duplicate members wins, as with JSONDecoder")
    func duplicates() throws {
        #expect(try members(#"{"model":"a","model":"b"}"#) == ["model": .string("b")])
    }

    @Test("escaped strings and keys are decoded")
    func escapes() throws {
        #expect(try members(#"{"mod\u0065l":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#) == ["model": .string("a\"b\\c/d\né😀")])
        #expect(try members(#"{"model":"qwen3:8b \u4e2d"}"#) == ["model": .string("qwen3:8b 中")])
        #expect(try members(#"{"model":"\ud800"}"#) == ["model": .string("\u{FFFD}")])
        #expect(try members(#"{"model":"dé"}"#) == ["model": .string("dé")])
    }

    @Test("a U+FEFF inside a string is a character like any other, also right after an escape")
    func byteOrderMarkInsideString() throws {
        // Foundation's JSONSerialization drops it after an escape (found by the json_scanner fuzz target).
        #expect(try members("{\"model\":\"a\\\"\u{FEFF}b\"}") == ["model": .string("a\"\u{FEFF}b")])
        #expect(try members("{\"model\":\"\u{FEFF}b\"}") == ["model": .string("\u{FEFF}b")])
    }

    @Test("whitespace anywhere between tokens is fine")
    func whitespace() throws {
        #expect(
            try members(" \n\t{ \"model\" :\r\n \"m\" , \"stream\" : true } \n") == [
                "model": .string("m"), "stream": .bool(true),
            ])
    }

    @Test(
        "malformed JSON is refused",
        arguments: [
            "", " ", "{", "}", "{\"model\"}", "{\"model\":}", "{,}", "{\"a\":1 \"b\":2}",
            "{\"a\":tru}", "{\"a\":nul}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}",
            "{\"a\":+1}",
            "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"tab\there\"}", "{'a':1}", "{a:1}",
            "{\"a\":[1 2]}", "{\"a\":1}}", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":NaN}", "{\"a\":1}\u{0}",
            "// c\n{}", "{\"a\":[}",
        ]
    )
    func malformed(_ text: String) {
        #expect(failure(text) == .malformed)
        // The scanner agrees with Foundation on what is JSON.
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil)
    }

    @Test("trailing commas are refused as RFC 8259 and the upstreams' parsers do (Foundation tolerates them)")
    func trailingCommas() {
        #expect(failure(#"{"model":"a",}"#) == .malformed)
        #expect(failure(#"{"a":[1,]}"#) == .malformed)
    }

    @Test(
        "well-formed JSON that is not an object is told apart",
        arguments: ["[]", "[1,{\"model\":\"x\"}]", "\"model\"", "12", "null", "true"])
    func notAnObject(_ text: String) {
        #expect(failure(text) == .notAnObject)
    }

    @Test("nesting past the limit is refused instead of recursing without end")
    func depth() throws {
        let deep = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(failure(deep) == .tooDeep)
        let fine =
            "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + ",\"model\":\"m\"}"
        #expect(try members(fine) == ["model": .string("m")])
    }

    @Test("a realistic chat body agrees with JSONSerialization")
    func agreesWithFoundation() throws {
        let body =
            #"{"model":"gpt-oss:20b","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Compare SQLite and PostgreSQL.\n\"quoted\" \u00fc"}],"stream":false,"temperature":0.7,"max_tokens":256,"tools":[],"metadata":{"a":null,"b":[1,2.5,-3e-2,true,false]}}"#
        let reference = try #require(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let scanned = try members(body)
        #expect(scanned["model"] == .string(try #require(reference["model"] as? String)))
        #expect(scanned["stream"] == .bool(false))
    }

    @Test("a quote, a backslash or a control byte is found at every offset of an eight-byte word")
    func specialBytesAtEveryOffset() throws {
        for offset in 0..<20 {
            for tail in [0, 1, 7, 8, 9, 30] {
                let before = String(repeating: "é", count: offset / 2) + String(repeating: "a", count: offset % 2)
                let after = String(repeating: "z", count: tail)
                for special in [#"\""#, #"\\"#, #"\n"#, #"\u00e9"#, "€"] {
                    let text = #"{"model":""# + before + special + after + #"","stream":false}"#
                    let reference = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                    let scanned = try members(text)
                    #expect(scanned["model"] == .string(try #require(reference?["model"] as? String)), "\(text)")
                    #expect(scanned["stream"] == .bool(false))
                }
                for control: UInt8 in [0x00, 0x01, 0x0a, 0x1f] {
                    var bytes = Array(#"{"model":""#.utf8) + Array(before.utf8)
                    bytes.append(control)
                    bytes += Array((after + #""}"#).utf8)
                    let failed = bytes.withUnsafeBytes { raw in
                        (try? JSONScanner.members(of: raw, named: ["model"])) == nil
                    }
                    #expect(failed, "a raw control byte \(control) after \(offset) bytes")
                }
            }
        }
    }
}
