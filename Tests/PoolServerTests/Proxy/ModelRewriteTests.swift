import Foundation
import PoolCore
import Testing

@Suite("Aliases: the top-level model rewrite")
struct ModelRewriteTests {
    private func rewrite(_ body: String, _ model: String) -> String? {
        ModelRewrite.replacingModel(in: Array(body.utf8), with: model).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("only the top-level model's value changes; whitespace, order and nested model members stay byte for byte")
    func onlyTopLevel() {
        let body = """
            {  "messages" : [ {"role":"user","content":"say \\"model\\": x","model":"gpt-4o-mini"} ],
              "model"  :\t"gpt-4o-mini" ,"extra":{"model":"gpt-4o-mini"}, "n": 1.50e2 }
            """
        let expected = body.replacingOccurrences(
            of: "\"model\"  :\t\"gpt-4o-mini\"", with: "\"model\"  :\t\"qwen3:8b\"")
        #expect(expected != body)
        #expect(rewrite(body, "qwen3:8b") == expected)
    }

    @Test("an escaped key and an escaped value are found; the new value is escaped as JSON")
    func escapes() {
        #expect(rewrite(#"{"mod\u0065l":"a\/b","x":1}"#, "c\"d") == #"{"mod\u0065l":"c\"d","x":1}"#)
        #expect(rewrite(#"{"model":"a","model":"b"}"#, "z") == #"{"model":"a","model":"z"}"#)
    }

    @Test("no rewrite when there is no string model at the top level, or the body is no JSON object")
    func nothingToRewrite() {
        #expect(rewrite(#"{"input":{"model":"a"}}"#, "z") == nil)
        #expect(rewrite(#"{"model":7}"#, "z") == nil)
        #expect(rewrite(#"["model"]"#, "z") == nil)
        #expect(rewrite(#"{"model":"a""#, "z") == nil)
        #expect(rewrite(#"{"model":"a"} x"#, "z") == nil)
    }

    @Test("the result decodes to the same object with only the model changed")
    func sameObject() throws {
        let body = #"{"model":"m","messages":[{"role":"user","content":"héllo \u2028"}],"temperature":0.2}"#
        let out = try #require(rewrite(body, "other"))
        var before = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let after = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        before["model"] = "other"
        #expect(NSDictionary(dictionary: before).isEqual(to: after))
    }
}
