import Foundation
import NIOCore
import Testing

@testable import PoolServer

/// A stream is read from the upstream only as fast as the client takes it.
@Suite("Proxy: stream backpressure")
struct BackpressureTests {
    static let event =
        "data: {\"choices\":[{\"delta\":{\"content\":\"" + String(repeating: "x", count: 990) + "\"}}]}\n\n"
    static let events = 65_536

    @Test(
        "a client that stops reading a large fast stream stalls the upstream far short of the whole; leaving closes it")
    func slowClientStallsUpstream() async throws {
        let upstream = try await CountingHTTPServer.start(
            behavior: .init(body: Self.event, repeats: Self.events, paced: true, contentType: "text/event-stream"))
        defer { Task { try? await upstream.stop() } }
        let total = Self.event.utf8.count * Self.events
        try await withProxy({ $0.upstream.ollamaURL = "http://127.0.0.1:\(upstream.port)" }) { gateway, _ in
            try await gateway.addKeys(["backpressure-key-0001"])
            let token = try await gateway.createToken()
            let body = #"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            var client: RawConnection? = try RawConnection(port: gateway.port)
            client?.send(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let head = await client?.read(until: "\r\n\r\n", seconds: 60)
            #expect(head?.text.hasPrefix("HTTP/1.1 200") == true)

            // The client reads no more: the upstream's writes stall once the buffers between are full.
            var written = upstream.snapshot.bytesWritten
            var stalled = false
            for _ in 0..<120 {
                try await Task.sleep(for: .milliseconds(500))
                let now = upstream.snapshot.bytesWritten
                if now == written {
                    stalled = true
                    break
                }
                written = now
            }
            #expect(stalled)
            #expect(written < total / 2, "the upstream wrote \(written) of \(total) bytes to a client reading none")

            // The client leaves: the upstream connection is closed rather than read to the end.
            client = nil
            var closed = false
            for _ in 0..<200 where !closed {
                try await Task.sleep(for: .milliseconds(50))
                closed = upstream.snapshot.open == 0
            }
            #expect(closed)
            #expect(upstream.snapshot.bytesWritten < total)
        }
    }
}
