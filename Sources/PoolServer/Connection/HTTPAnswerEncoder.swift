import NIOCore
import NIOHTTP1

/// Every answer on a client connection as bytes, proxied or Hummingbird's, with NIO's framing rules
/// (`HTTPResponseEncoder` with automatic framing headers): a `Content-Length` the answer has is kept; without one
/// an HTTP/1.1 body is chunked and an HTTP/1.0 body ends with the connection; an answer that cannot have a body
/// (1xx, 204, 304, a `CONNECT`'s) carries no framing fields, and the answer to a `HEAD` keeps what a `GET` would
/// have said but sends no body.
///
/// Used by ``ProxyFrontHandler``, which writes its output below the HTTP decoder: a proxied answer's head is
/// written straight from its field list (no `HTTPHeaders`, no `NIOAny` cast in an encoder handler; about 15 k
/// instructions a request, issue #13), and the connection has one handler fewer.
struct HTTPAnswerEncoder {
    /// The body of the answer being written is chunked.
    private var chunked = false
    /// The answer being written has no body (a `HEAD`'s, or one whose status allows none).
    private var bodyless = false

    private static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")

    /// A proxied answer's head: `fields` as given (they hold no framing field), the framing from `contentLength`
    /// (nil: the body's length is not known yet).
    /// `cors` adds what Hummingbird's CORS middleware (any origin) adds on the other routes; `date` and `server`
    /// are what its application adds to every answer.
    mutating func proxiedHead(
        status: HTTPResponseStatus, fields: ResponseHeaderList, contentLength: Int?, cors: Bool, server: String?,
        answer: HTTPVersionPolicy.Answer, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let framing = frame(status: status, version: answer.version, method: answer.requestMethod,
            hasContentLength: contentLength != nil)
        let statusLine = Self.statusLine(status, version: answer.version)
        var buffer = allocator.buffer(capacity: HTTPHeadText.usualSize)
        HTTPHeadText.write(into: &buffer) { text in
            text.put(statusLine)
            text.put("\r\n")
            for field in fields.fields { text.field(field.name, field.value) }
            if cors { text.put("access-control-allow-origin: *\r\n") }
            text.field("date", HTTPDateHeader.now)
            if let server { text.field("server", server) }
            if let connection = answer.connection { text.field("connection", connection) }
            if answer.strictTransportSecurity {
                text.field("strict-transport-security", HTTPVersionPolicy.strictTransportSecurity)
            }
            switch framing {
            case .lengthKept: text.field("content-length", String(contentLength ?? 0))
            case .chunked: text.put("transfer-encoding: chunked\r\n")
            case .none: break
            }
            text.put("\r\n")
        }
        return buffer
    }

    /// A head of Hummingbird's, already made what the request asks (``HTTPVersionPolicy/answerLeaves(_:)``).
    mutating func head(_ head: HTTPResponseHead, answer: HTTPVersionPolicy.Answer, allocator: ByteBufferAllocator)
        -> ByteBuffer
    {
        var headers = head.headers
        let hasContentLength = headers.contains(name: "content-length")
        let framing = frame(status: head.status, version: head.version, method: answer.requestMethod,
            hasContentLength: hasContentLength)
        switch framing {
        case .none where !hasBody(head.status, answer.requestMethod):
            headers.remove(name: "content-length")
            headers.remove(name: "transfer-encoding")
        case .lengthKept:
            headers.remove(name: "transfer-encoding")
        case .chunked:
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        case .none:
            break
        }
        let statusLine = Self.statusLine(head.status, version: head.version)
        var buffer = allocator.buffer(capacity: HTTPHeadText.usualSize)
        HTTPHeadText.write(into: &buffer) { text in
            text.put(statusLine)
            text.put("\r\n")
            for (name, value) in headers { text.field(name, value) }
            text.put("\r\n")
        }
        return buffer
    }

    /// What goes out for a part of the body: nothing for a bodyless answer, else the bytes, framed as a chunk when
    /// the answer is chunked (an empty part is no chunk: it would end the body).
    /// A chunk's data is followed by ``chunkEnd``.
    func body(_ data: IOData) -> (prefix: ByteBuffer?, data: IOData?, chunked: Bool) {
        if bodyless { return (nil, nil, false) }
        let count = data.readableBytes
        guard chunked, count > 0 else { return (nil, count > 0 ? data : nil, false) }
        var prefix = ByteBuffer()
        prefix.reserveCapacity(18)
        prefix.writeString(String(count, radix: 16))
        prefix.writeStaticString("\r\n")
        return (prefix, data, true)
    }

    /// The end of a chunked answer (with trailers, if any); nil for any other.
    mutating func end(trailers: HTTPHeaders?) -> ByteBuffer? {
        defer {
            chunked = false
            bodyless = false
        }
        guard chunked else { return nil }
        guard let trailers, !trailers.isEmpty else { return Self.lastChunk }
        var buffer = ByteBuffer()
        HTTPHeadText.write(into: &buffer) { text in
            text.put("0\r\n")
            for (name, value) in trailers { text.field(name, value) }
            text.put("\r\n")
        }
        return buffer
    }

    /// What follows each chunk's data.
    static let chunkEnd = ByteBuffer(staticString: "\r\n")

    private enum Framing {
        case lengthKept
        case chunked
        /// No framing field: no body, a `HEAD`'s answer without a length, or an HTTP/1.0 body ended by the close.
        case none
    }

    private func hasBody(_ status: HTTPResponseStatus, _ method: HTTPMethod?) -> Bool {
        method != .CONNECT && status.mayHaveResponseBody
    }

    /// NIO's `correctlyFrameTransportHeaders`, and the state the body and end then follow.
    private mutating func frame(
        status: HTTPResponseStatus, version: HTTPVersion, method: HTTPMethod?, hasContentLength: Bool
    ) -> Framing {
        let suppressed = method == .HEAD || method == .CONNECT
        let framing: Framing
        if !hasBody(status, method) {
            framing = .none
        } else if hasContentLength {
            framing = .lengthKept
        } else if version.major == 1, version.minor >= 1 {
            framing = .chunked
        } else {
            framing = .none
        }
        chunked = !suppressed && framing == .chunked
        bodyless = suppressed || !hasBody(status, method)
        return framing
    }

    /// `HTTP/1.1 200 OK` without its line end, made once for both passes of the head's text.
    private static func statusLine(_ status: HTTPResponseStatus, version: HTTPVersion) -> String {
        (version == .http1_0 ? "HTTP/1.0 " : "HTTP/1.1 ") + String(status.code) + " " + status.reasonPhrase
    }
}
