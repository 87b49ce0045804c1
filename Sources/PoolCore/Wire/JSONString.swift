/// Writing text as a JSON string literal (RFC 8259), for the few places that write JSON by hand on hot paths
/// (log lines, the request log's attempts) rather than through an encoder.
public enum JSONString {
    /// Appends `text` quoted: `"` and `\` escaped, control characters as `\n`, `\r`, `\t` or `\u00XX`, every
    /// other character as it is. Text that needs no escape (key ids, most messages) is copied whole.
    public static func appendQuoted(_ text: String, to json: inout String) {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            json += "\""
            json += text
            json += "\""
            return
        }
        var bytes: [UInt8] = []
        appendQuoted(text, to: &bytes)
        json += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` quoted, as UTF-8 bytes: the escapes above, every other byte as it is.
    public static func appendQuoted(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Ids, names and most messages need no escape: copied whole.
            if bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                appendEscaped(bytes, to: &json)
            } else {
                json.append(contentsOf: bytes)
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to json: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                json.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), digits[Int(byte >> 4)],
                    digits[Int(byte & 0xF)],
                ])
            default: json.append(byte)
            }
        }
    }
}
