import NIOCore

/// A complete HTTP/1.1 answer as bytes, for the few places that answer below the HTTP codec (a refused
/// connection, a request head that never completed): `{"error": message}` and `Connection: close`.
enum RawHTTPAnswer {
    static func make(status: String, message: String, extraHeaders: [String] = []) -> ByteBuffer {
        let body = JSONWriter.text(["error": message])
        var head = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        for header in extraHeaders { head += header + "\r\n" }
        head += "Connection: close\r\n\r\n"
        return ByteBuffer(string: head + body)
    }
}
