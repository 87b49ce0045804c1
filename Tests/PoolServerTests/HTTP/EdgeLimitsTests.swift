import Foundation
import PoolServer
import Testing

@Suite("Limits at the edge")
struct EdgeLimitsTests {
    @Test("a head over MAX_HEADER_BYTES is a 431 in the route's dialect and never reaches the upstream")
    func oversizedHeaders() async throws {
        try await withProxy({ $0.limits.maxHeaderBytes = 4096 }) { gateway, mock in
            try await gateway.addKeys(["edge-key-0000000001"])
            let token = try await gateway.createToken()
            let big = String(repeating: "a", count: 5000)
            let connection = try RawConnection(port: gateway.port)
            connection.send(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nX-Big: \(big)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            )
            let reply = await connection.read(until: "}}", seconds: 60).text
            #expect(reply.hasPrefix("HTTP/1.1 431"), "\(reply.prefix(200))")
            #expect(reply.contains(#""error":{"#) && reply.contains("the limit is 4096"))
            let native = try RawConnection(port: gateway.port)
            native.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n")
            let nativeReply = await native.read(until: "}", seconds: 60).text
            #expect(nativeReply.hasPrefix("HTTP/1.1 431"))
            #expect(nativeReply.contains(#"{"error":"request headers are"#))
            #expect(mock.received.isEmpty)
        }
    }

    @Test("too many header fields are a 431, an overlong URI a 414")
    func countsAndURI() async throws {
        try await withProxy({
            $0.limits.maxHeaderCount = 20
            $0.limits.maxURIBytes = 512
        }) { gateway, _ in
            let many = (0..<30).map { "X-Field-\($0): v\r\n" }.joined()
            let connection = try RawConnection(port: gateway.port)
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\(many)\r\n")
            #expect(await connection.read(until: "}", seconds: 60).text.hasPrefix("HTTP/1.1 431"))
            let long = try RawConnection(port: gateway.port)
            long.send("GET /health?\(String(repeating: "q", count: 600)) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await long.read(until: "}", seconds: 60).text.hasPrefix("HTTP/1.1 414"))
        }
    }

    @Test(
        "malformed chunked bodies are a 400 that closes the connection, never a 500",
        arguments: ["zz\r\nabc\r\n0\r\n\r\n", "fffffffffffffffffff\r\nabc\r\n0\r\n\r\n", "3\nabc\n0\n\n"]
    )
    func malformedChunks(body: String) async throws {
        try await withGateway { gateway in
            let connection = try RawConnection(port: gateway.port)
            connection.send(
                "POST /admin/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(gateway.adminToken)\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\(body)"
            )
            // Returns at the close; the bound only matters when the test fails (a loaded machine can be slow).
            let (reply, closed) = await connection.readUntilClosed(seconds: 60)
            #expect(reply.hasPrefix("HTTP/1.1 400"), "\(reply.prefix(200))")
            #expect(!reply.contains(" 500 "))
            #expect(closed)
        }
    }

    @Test("an idle keep-alive connection is closed after IDLE_TIMEOUT")
    func idleConnectionsClose() async throws {
        try await withGateway({ $0.limits.idleTimeout = 1 }) { gateway in
            let connection = try RawConnection(port: gateway.port)
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let (reply, closed) = await connection.readUntilClosed(seconds: 10)
            #expect(reply.hasPrefix("HTTP/1.1 200"))
            #expect(closed)
            let silent = try RawConnection(port: gateway.port)
            #expect(await silent.readUntilClosed(seconds: 10).closed)
        }
    }
}
