import HTTPTypes
import NIOCore

/// A complete HTTP/1.1 answer as bytes, for the few places that answer below the HTTP codec (a refused connection,
/// a request head that never completed or could not be read): the error in the route's dialect and
/// `Connection: close`.
enum RawHTTPAnswer {
    static func make(_ error: GatewayError, in dialect: ErrorDialect) -> ByteBuffer {
        let body = error.body(in: dialect)
        var head = "HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        for field in error.headers where field.name != .connection { head += "\(field.name): \(field.value)\r\n" }
        head += "Connection: close\r\n\r\n"
        return ByteBuffer(string: head + body)
    }

    /// The dialect of the route a request line names (`POST /v1/messages HTTP/1.1` → Anthropic's); the gateway's
    /// own `{"error": …}` when the line cannot be read.
    static func dialect(ofRequestLine bytes: some Collection<UInt8>) -> ErrorDialect {
        let line = bytes.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        let words = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard words.count >= 2 else { return .admin }
        let target = String(decoding: words[1], as: UTF8.self)
        return ErrorDialect(path: String(target.prefix { $0 != "?" }))
    }
}
