import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import PoolServer

/// The client connection's one encoder: NIO's framing rules, for proxied answers and Hummingbird's.
@Suite("HTTP answer encoder")
struct HTTPAnswerEncoderTests {
    let allocator = ByteBufferAllocator()

    func answer(_ method: HTTPMethod = .POST, version: HTTPVersion = .http1_1) -> HTTPVersionPolicy.Answer {
        HTTPVersionPolicy.Answer(version: version, strictTransportSecurity: false, requestMethod: method)
    }

    func fields(_ pairs: [(String, String)]) -> ResponseHeaderList {
        var list = ResponseHeaderList()
        for (name, value) in pairs { list.add(name, value) }
        return list
    }

    /// The head's lines after the status line, without `date` (it changes each second).
    func lines(_ buffer: ByteBuffer) -> [String] {
        String(buffer: buffer).components(separatedBy: "\r\n").filter { !$0.hasPrefix("date: ") }
    }

    /// What a body part and the end put on the wire.
    func wire(_ encoder: inout HTTPAnswerEncoder, body: String, trailers: HTTPHeaders? = nil) -> String {
        var out = ""
        let framed = encoder.body(.byteBuffer(ByteBuffer(string: body)))
        if let prefix = framed.prefix { out += String(buffer: prefix) }
        if case .byteBuffer(let data)? = framed.data { out += String(buffer: data) }
        if framed.chunked { out += String(buffer: HTTPAnswerEncoder.chunkEnd) }
        if let end = encoder.end(trailers: trailers) { out += String(buffer: end) }
        return out
    }

    @Test("a whole proxied answer carries its length; a stream is chunked and ends with the last chunk")
    func proxiedFraming() {
        var encoder = HTTPAnswerEncoder()
        let whole = encoder.proxiedHead(
            status: .ok, fields: fields([("content-type", "application/json")]), contentLength: 2, cors: true,
            server: "ollama-api-pool", answer: answer(), allocator: allocator)
        #expect(
            lines(whole) == [
                "HTTP/1.1 200 OK", "content-type: application/json", "access-control-allow-origin: *",
                "server: ollama-api-pool", "content-length: 2", "", "",
            ])
        #expect(wire(&encoder, body: "{}") == "{}")

        let stream = encoder.proxiedHead(
            status: .ok, fields: fields([("content-type", "text/event-stream")]), contentLength: nil, cors: false,
            server: nil, answer: answer(), allocator: allocator)
        #expect(
            lines(stream) == [
                "HTTP/1.1 200 OK", "content-type: text/event-stream", "transfer-encoding: chunked", "", "",
            ])
        #expect(wire(&encoder, body: "data: 0123456789\n\n") == "12\r\ndata: 0123456789\n\n\r\n0\r\n\r\n")
    }

    @Test("an HTTP/1.0 answer without a length is not chunked: its body ends with the connection")
    func http10() {
        var policy = HTTPVersionPolicy(tls: true)
        var request = HTTPRequestHead(version: .http1_0, method: .POST, uri: "/v1/chat/completions")
        request.headers.add(name: "connection", value: "keep-alive")
        policy.requestArrived(&request)
        let answer = policy.answerLeaves(status: .ok, hasContentLength: false)
        var encoder = HTTPAnswerEncoder()
        let head = encoder.proxiedHead(
            status: .ok, fields: fields([]), contentLength: nil, cors: false, server: nil, answer: answer,
            allocator: allocator)
        #expect(
            lines(head) == [
                "HTTP/1.0 200 OK", "connection: close", "strict-transport-security: max-age=31536000", "", "",
            ])
        #expect(wire(&encoder, body: "data") == "data")
        let closes = policy.endLeavesClosing()
        #expect(closes)
    }

    @Test("a 204 and a 304 carry no framing field and no body")
    func bodylessStatus() {
        for status in [HTTPResponseStatus.noContent, .notModified] {
            var encoder = HTTPAnswerEncoder()
            let proxied = encoder.proxiedHead(
                status: status, fields: fields([]), contentLength: 0, cors: false, server: nil, answer: answer(),
                allocator: allocator)
            #expect(!String(buffer: proxied).contains("content-length"))
            #expect(wire(&encoder, body: "ignored") == "")

            var head = HTTPResponseHead(version: .http1_1, status: status)
            head.headers.add(name: "Content-Length", value: "7")
            head.headers.add(name: "Transfer-Encoding", value: "chunked")
            let hummingbird = encoder.head(head, answer: answer(.GET), allocator: allocator)
            #expect(lines(hummingbird) == ["HTTP/1.1 \(status.code) \(status.reasonPhrase)", "", ""])
            #expect(wire(&encoder, body: "ignored") == "")
        }
    }

    @Test("the answer to a HEAD says what a GET's would, and sends no body")
    func headRequest() {
        var encoder = HTTPAnswerEncoder()
        var withLength = HTTPResponseHead(version: .http1_1, status: .ok)
        withLength.headers.add(name: "Content-Length", value: "15")
        let kept = encoder.head(withLength, answer: answer(.HEAD), allocator: allocator)
        #expect(lines(kept) == ["HTTP/1.1 200 OK", "Content-Length: 15", "", ""])
        #expect(wire(&encoder, body: "{\"status\":\"ok\"}") == "")

        let unknown = encoder.head(HTTPResponseHead(version: .http1_1, status: .ok), answer: answer(.HEAD),
            allocator: allocator)
        #expect(lines(unknown) == ["HTTP/1.1 200 OK", "transfer-encoding: chunked", "", ""])
        #expect(wire(&encoder, body: "body") == "", "no chunk and no last chunk after a HEAD's head")
    }

    @Test("Hummingbird's answers: a length is kept and a stray Transfer-Encoding dropped; chunked ends carry trailers")
    func hummingbirdFraming() {
        var encoder = HTTPAnswerEncoder()
        var head = HTTPResponseHead(version: .http1_1, status: .created)
        head.headers.add(name: "Content-Length", value: "2")
        head.headers.add(name: "Transfer-Encoding", value: "gzip")
        #expect(lines(encoder.head(head, answer: answer(.GET), allocator: allocator))
            == ["HTTP/1.1 201 Created", "Content-Length: 2", "", ""])
        #expect(wire(&encoder, body: "{}") == "{}")

        let chunked = encoder.head(HTTPResponseHead(version: .http1_1, status: .ok), answer: answer(.GET),
            allocator: allocator)
        #expect(lines(chunked) == ["HTTP/1.1 200 OK", "transfer-encoding: chunked", "", ""])
        var trailers = HTTPHeaders()
        trailers.add(name: "x-checksum", value: "abc")
        #expect(wire(&encoder, body: "hi", trailers: trailers) == "2\r\nhi\r\n0\r\nx-checksum: abc\r\n\r\n")
        #expect(encoder.body(.byteBuffer(ByteBuffer())).data == nil, "an empty part is no chunk")
    }

    @Test("a head longer than the usual room is written whole, once")
    func longHead() {
        var encoder = HTTPAnswerEncoder()
        let long = String(repeating: "v", count: 3 * HTTPHeadText.usualSize)
        let head = encoder.proxiedHead(
            status: .ok, fields: fields([("x-long", long), ("content-type", "text/plain")]), contentLength: 0,
            cors: false, server: nil, answer: answer(), allocator: allocator)
        #expect(
            lines(head) == [
                "HTTP/1.1 200 OK", "x-long: " + long, "content-type: text/plain", "content-length: 0", "", "",
            ])

        var buffer = ByteBuffer(string: "before|")
        HTTPHeadText.write(into: &buffer) { text in
            text.put("a")
            text.put(long)
            text.put("z")
        }
        #expect(String(buffer: buffer) == "before|a" + long + "z")
    }
}
