import Foundation
import NIOHTTP1
import PoolServer
import Testing

/// What the gateway does with client connections below the routes: slow or silent heads, HTTP/1.0 lifetimes and
/// the connection cap, over raw TCP.
@Suite("Connection hygiene")
struct ConnectionHygieneTests {
    @Test("a request head still unfinished after HEADER_TIMEOUT gets a 408 and the connection closes")
    func slowHeadsAreCut() async throws {
        try await withGateway({ $0.limits.headerTimeout = 1 }) { gateway in
            let started = ContinuousClock.now
            let slow = try RawConnection(port: gateway.port)
            slow.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-")
            let (reply, closed) = await slow.readUntilClosed(seconds: 20)
            #expect(closed)
            #expect(reply.hasPrefix("HTTP/1.1 408"))
            // In the dialect of the route the request line named: OpenAI's error object.
            #expect(reply.contains(#"{"error":{"#))
            #expect(reply.contains(#""message":"the request head did not arrive within 1 s (HEADER_TIMEOUT)""#))
            #expect(ContinuousClock.now - started < .seconds(15))

            // Connected and silent: closed without an answer.
            let silent = try RawConnection(port: gateway.port)
            let quiet = await silent.readUntilClosed(seconds: 20)
            #expect(quiet.closed)
            #expect(quiet.text.isEmpty)
        }
    }

    @Test("HEADER_TIMEOUT bounds the head only: a slow answer and a keep-alive wait are not cut by it")
    func slowAnswersAreNotCut() async throws {
        try await withProxy({
            $0.limits.headerTimeout = 2  // room for a loaded machine to read the head
            $0.limits.idleTimeout = 0
        }) { gateway, mock in
            var slow = MockUpstream.Behavior()
            slow.delay = .milliseconds(4_500)
            mock.setDefault(slow)
            _ = try await gateway.addKeys(["hygiene-key-00000001"])
            let token = try await gateway.createToken()
            let connection = try RawConnection(port: gateway.port)
            let request =
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(chatBody.utf8.count)\r\n\r\n\(chatBody)"
            connection.send(request)
            let first = await connection.read(until: "chat.completion", seconds: 30)
            #expect(first.text.hasPrefix("HTTP/1.1 200"), "\(first.text)")
            #expect(!first.closed)
            // Waiting between requests is IDLE_TIMEOUT's business (off here), not HEADER_TIMEOUT's.
            let idle = await connection.readUntilClosed(seconds: 4.5)
            #expect(!idle.closed)
            mock.setDefault(.ok)
            connection.send(request)
            let second = await connection.read(until: "chat.completion", seconds: 30)
            #expect(second.text.hasPrefix("HTTP/1.1 200"), "\(second.text)")
        }
    }

    @Test("an HTTP/1.0 request without keep-alive is answered in HTTP/1.0 and the connection closes")
    func http10Closes() async throws {
        try await withGateway { gateway in
            let plain = try RawConnection(port: gateway.port)
            plain.send("GET /health HTTP/1.0\r\n\r\n")
            let (reply, closed) = await plain.readUntilClosed(seconds: 10)
            #expect(closed)
            #expect(reply.hasPrefix("HTTP/1.0 200"))
            #expect(reply.lowercased().contains("connection: close"))
            #expect(!reply.lowercased().contains("transfer-encoding"))

            let kept = try RawConnection(port: gateway.port)
            kept.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let answer = await kept.read(until: #""status":"ok""#, seconds: 20)
            #expect(answer.text.hasPrefix("HTTP/1.0 200"))
            #expect(answer.text.lowercased().contains("connection: keep-alive"))
            #expect(!answer.closed)

            let closing = try RawConnection(port: gateway.port)
            closing.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let closed11 = await closing.readUntilClosed(seconds: 10)
            #expect(closed11.closed)
            #expect(closed11.text.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test("the answer to a HEAD has no body: the next answer on the connection follows its head directly")
    func headThenGet() async throws {
        try await withGateway { gateway in
            let connection = try RawConnection(port: gateway.port)
            connection.send(
                "HEAD /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            let reply = await connection.read(until: #""status":"ok""#, seconds: 20).text
            // Whatever the HEAD's status (the router has no HEAD route here: 404 with its length), no body follows.
            guard let headEnd = reply.range(of: "\r\n\r\n") else {
                Issue.record("no head: \(reply)")
                return
            }
            #expect(reply.hasPrefix("HTTP/1.1 "))
            #expect(reply[headEnd.upperBound...].hasPrefix("HTTP/1.1 200 OK\r\n"), "\(reply)")
            #expect(reply.components(separatedBy: #""status":"ok""#).count == 2, "\(reply)")
        }
    }

    @Test("beyond MAX_CONNECTIONS a connection gets a 503 with Retry-After; once others close, it is served again")
    func connectionCap() async throws {
        try await withGateway({ $0.limits.maxConnections = 2 }) { gateway in
            var held = [try RawConnection(port: gateway.port), try RawConnection(port: gateway.port)]
            for connection in held { connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n") }
            for connection in held {
                let reply = await connection.read(until: #""status":"ok""#, seconds: 20).text
                #expect(reply.hasPrefix("HTTP/1.1 200"), "\(reply)")
            }
            let refused = try RawConnection(port: gateway.port)
            refused.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let (reply, closed) = await refused.readUntilClosed(seconds: 10)
            #expect(closed)
            #expect(reply.hasPrefix("HTTP/1.1 503"))
            #expect(reply.contains("Retry-After: 1"))
            #expect(reply.contains(#"{"error":"the gateway has as many connections open as it serves"#))

            // Refused on a proxy route: the route's dialect, with the gateway's own code.
            let refusedProxy = try RawConnection(port: gateway.port)
            refusedProxy.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            let anthropic = await refusedProxy.readUntilClosed(seconds: 10).text
            #expect(anthropic.hasPrefix("HTTP/1.1 503"))
            #expect(anthropic.contains(#""type":"error""#), "\(anthropic)")

            held.removeAll()  // closes both
            var served = false
            for _ in 0..<50 where !served {
                try await Task.sleep(for: .milliseconds(100))
                let again = try await gateway.request(.GET, "/health")
                served = again.status == 200
            }
            #expect(served)
        }
    }

    @Test("a head the decoder refuses (smuggling) is a 400 in the request line's dialect, and the connection closes")
    func malformedHeads() async throws {
        try await withProxy { gateway, mock in
            let attempts = [
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\n{}",
            ]
            let shapes = [#"{"error":{"#, #"{"error":"malformed HTTP request head"#]
            for (attempt, shape) in zip(attempts, shapes) {
                let connection = try RawConnection(port: gateway.port)
                connection.send(attempt)
                let (reply, closed) = await connection.readUntilClosed(seconds: 60)
                #expect(reply.hasPrefix("HTTP/1.1 400"), "\(reply)")
                #expect(reply.contains(shape), "\(reply)")
                #expect(closed)
            }
            #expect(mock.received.isEmpty)
        }
    }
}
