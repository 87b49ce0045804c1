import Foundation
import PoolCore
import Testing

@Suite("Usage scanner")
struct UsageScannerTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("reads usage from an OpenAI JSON body")
    func openAIBody() {
        let body =
            #"{"id":"x","choices":[{"message":{"content":"usage: {not json}"}}],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}"#
        #expect(
            UsageScanner.usage(in: bytes(body), format: .openAI) == TokenUsage(promptTokens: 12, completionTokens: 34))
    }

    @Test("reads usage from the last SSE chunk and ignores null usage")
    func openAIStream() {
        let stream = """
            data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}

            data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9}}

            data: [DONE]

            """
        #expect(
            UsageScanner.usage(in: bytes(stream), format: .openAI) == TokenUsage(promptTokens: 3, completionTokens: 9))
    }

    @Test("no usage means nil")
    func noUsage() {
        #expect(UsageScanner.usage(in: bytes(#"{"choices":[]}"#), format: .openAI) == nil)
        #expect(UsageScanner.usage(in: bytes(#"{"done":false}"#), format: .ollama) == nil)
    }

    @Test("reads Ollama's counts from the final line")
    func ollama() {
        let lines = """
            {"message":{"content":"a"},"done":false}
            {"message":{"content":""},"done":true,"prompt_eval_count":26,"eval_count":290}

            """
        #expect(
            UsageScanner.usage(in: bytes(lines), format: .ollama) == TokenUsage(promptTokens: 26, completionTokens: 290)
        )
    }

    @Test("the stream tail keeps the last bytes only")
    func tail() {
        var tail = StreamTail(capacity: 8)
        tail.append(Array("0123456789".utf8))
        #expect(tail.contents == Array("23456789".utf8))
        tail.append(Array("ab".utf8))
        #expect(tail.contents.suffix(8) == Array("456789ab".utf8)[...])
    }
}
