import NIOCore
import NIOHTTP1
import Testing

@testable import PoolServer

/// Requests as bytes on an upstream connection, and the response decoder told what each request was.
@Suite("Upstream wire")
struct UpstreamWireTests {
    @Test("a request's head as bytes, a small body in the same buffer, a large one written after it")
    func encode() {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions?x=1")
        head.headers.add(name: "host", value: "127.0.0.1:8080")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "content-length", value: "2")
        let small = UpstreamWire.encode(head, body: ByteBuffer(string: "{}"), allocator: ByteBufferAllocator())
        #expect(
            String(buffer: small.head)
                == "POST /v1/chat/completions?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n"
                + "Content-Type: application/json\r\ncontent-length: 2\r\n\r\n{}")
        #expect(small.separateBody == nil)

        let large = ByteBuffer(repeating: UInt8(ascii: "a"), count: UpstreamWire.inlineBodyLimit + 1)
        let split = UpstreamWire.encode(head, body: large, allocator: ByteBufferAllocator())
        #expect(String(buffer: split.head).hasSuffix("content-length: 2\r\n\r\n"))
        #expect(split.separateBody == large)

        let get = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api/tags")
        let bare = UpstreamWire.encode(get, body: nil, allocator: ByteBufferAllocator())
        #expect(String(buffer: bare.head) == "GET /api/tags HTTP/1.1\r\n\r\n")
        let keyed = UpstreamWire.encode(get, bearerToken: "sk-1", body: nil, allocator: ByteBufferAllocator())
        #expect(String(buffer: keyed.head) == "GET /api/tags HTTP/1.1\r\nauthorization: Bearer sk-1\r\n\r\n")
    }

    @Test("a HEAD's answer ends at its head (its Content-Length names no body), and the connection serves on")
    func headAnswer() async throws {
        let server = try await CountingHTTPServer.start()
        defer { Task { try? await server.stop() } }
        try await UpstreamConnectionPoolTests.withClient(firstByteTimeout: .seconds(5)) { client in
            let url = "http://127.0.0.1:\(server.port)/x"
            let response = try await client.execute(UpstreamRequest(url: url, method: .HEAD))
            #expect(response.status == .ok)
            #expect(response.headers["content-length"] == ["2"])
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(body.readableBytes == 0)
            #expect(try await UpstreamConnectionPoolTests.get(client, url) == "ok")
            #expect(server.snapshot.accepted == 1)
            #expect(server.snapshot.requests == 2)
        }
    }
}
