/// Finds token usage in upstream answers without decoding whole bodies: it looks for the last `"usage"` object
/// (OpenAI dialect) or the last line's `prompt_eval_count` / `eval_count` (Ollama dialect) and decodes only that.
public enum UsageScanner {
    /// Where an answer keeps its usage.
    public enum Format: Sendable {
        /// `"usage":{"prompt_tokens","completion_tokens"}`, in a JSON body or an SSE event.
        case openAI
        /// `prompt_eval_count` and `eval_count` on the final object (NDJSON or JSON).
        case ollama
        /// `"usage":{"input_tokens","output_tokens"}`, Anthropic's messages API.
        case anthropic
    }

    /// Reads usage from `bytes` without copying them when they are contiguous (as a ByteBuffer's view is).
    public static func usage(in bytes: some Collection<UInt8>, format: Format) -> TokenUsage? {
        if let found = bytes.withContiguousStorageIfAvailable({ usage(inBuffer: $0, format: format) }) {
            return found
        }
        return Array(bytes).withUnsafeBufferPointer { usage(inBuffer: $0, format: format) }
    }

    static func usage(inBuffer bytes: UnsafeBufferPointer<UInt8>, format: Format) -> TokenUsage? {
        switch format {
        case .openAI:
            guard let object = lastObject(after: usageMarker, in: bytes, reading: openAICounts) else { return nil }
            return TokenUsage(promptTokens: integer(object[0]) ?? 0, completionTokens: integer(object[1]) ?? 0)
        case .anthropic:
            // Streams report input tokens at the start and output tokens at the end; take each where it last appears.
            let input = lastInteger(named: "input_tokens", in: bytes)
            let output = lastInteger(named: "output_tokens", in: bytes)
            guard input != nil || output != nil else { return nil }
            return TokenUsage(promptTokens: input ?? 0, completionTokens: output ?? 0)
        case .ollama:
            let prompt = lastInteger(named: "prompt_eval_count", in: bytes)
            let completion = lastInteger(named: "eval_count", in: bytes)
            guard prompt != nil || completion != nil else { return nil }
            return TokenUsage(promptTokens: prompt ?? 0, completionTokens: completion ?? 0)
        }
    }

    /// The members named `keys` of the JSON object that follows the last occurrence of `marker` (e.g. `"usage"`)
    /// and a colon.
    static func lastObject(
        after marker: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, reading keys: JSONScanner.MemberNames
    ) -> JSONScanner.Members? {
        var searchEnd = bytes.count
        while let start = lastIndex(of: marker, in: bytes, before: searchEnd) {
            searchEnd = start
            var index = start + marker.count
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: ":") {
                index += 1
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{"),
                let end = matchingBrace(in: bytes, from: index)
            else { continue }
            if let object = try? JSONScanner.members(
                of: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[index...end])), named: keys)
            {
                return object
            }
        }
        return nil
    }

    static func lastInteger(named name: String, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let marker = Array("\"\(name)\"".utf8)
        guard let start = lastIndex(of: marker, in: bytes, before: bytes.count) else { return nil }
        var index = start + marker.count
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: ":") { index += 1 }
        var value = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), digits < 18 {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits == 0 ? nil : value
    }

    private static let usageMarker = Array("\"usage\"".utf8)
    private static let openAICounts: JSONScanner.MemberNames = ["prompt_tokens", "completion_tokens"]

    static func integer(_ value: JSONScanner.Value?) -> Int? {
        if case .integer(let count) = value { return count }
        return nil
    }

    private static func lastIndex(of marker: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> Int? {
        guard !marker.isEmpty, marker.count <= end else { return nil }
        return marker.withUnsafeBufferPointer { marker in
            // The marker's second byte is looked for first: its first and last, quotes, are in every JSON string.
            let probe = marker.count > 1 ? 1 : 0
            let wanted = marker[probe]
            var candidate = end - marker.count
            while candidate >= 0 {
                if bytes[candidate + probe] == wanted {
                    var offset = 0
                    while offset < marker.count, bytes[candidate + offset] == marker[offset] { offset += 1 }
                    if offset == marker.count { return candidate }
                }
                candidate -= 1
            }
            return nil
        }
    }

    /// Index of the brace closing the object that opens at `start`, skipping braces inside strings.
    private static func matchingBrace(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for index in start..<bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
        }
        return nil
    }
}
