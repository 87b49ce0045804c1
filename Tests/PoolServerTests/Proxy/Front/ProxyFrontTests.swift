import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PoolServer
import Testing

/// The proxy front on a client connection, over raw TCP: keep-alive across streams, pipelined requests of both
/// kinds (proxied and Hummingbird's) answered in order, and a client that leaves a stream mid-way.
@Suite("Proxy front: one connection, many requests")
struct ProxyFrontTests {
    static func post(_ path: String, token: String, body: String, requestID: String) -> String {
        "POST \(path) HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer \(token)\r\nx-request-id: \(requestID)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test("two streamed requests on one keep-alive connection: both relayed whole, the connection stays open")
    func twoStreamsOnOneConnection() async throws {
        try await withProxy { gateway, mock in
            _ = try await gateway.addKeys(["front-stream-key-001"])
            let token = try await gateway.createToken()
            let connection = try RawConnection(port: gateway.port)
            for round in ["first", "second"] {
                connection.send(Self.post("/v1/chat/completions", token: token, body: streamBody, requestID: round))
                // The chunked body's last chunk follows the stream's [DONE].
                let answer = await connection.read(until: "data: [DONE]\n\n\r\n0\r\n\r\n", seconds: 60)
                #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")
                #expect(answer.text.lowercased().contains("x-request-id: \(round)"))
                #expect(answer.text.lowercased().contains("transfer-encoding: chunked"))
                #expect(!answer.text.lowercased().contains("connection: close"))
                #expect(!answer.closed)
            }
            #expect(mock.received.count == 2)
        }
    }

    @Test("a token revoked between two requests on one connection is refused on the next; another token serves")
    func revokedTokenOnAKeptConnection() async throws {
        try await withProxy { gateway, mock in
            _ = try await gateway.addKeys(["front-revoke-key-0001"])
            let created = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "leaving"])
            let leaving = try #require(created.json["token"] as? String)
            let id = try #require(created.json["id"] as? String)
            let staying = try await gateway.createToken(name: "staying")
            // The connection keeps the last token's digest (`TokenDigestMemo`); the registry still decides.
            let connection = try RawConnection(port: gateway.port)
            let rounds: [(token: String, status: String, revokeFirst: Bool)] = [
                (leaving, "HTTP/1.1 200", false), (leaving, "HTTP/1.1 401", true), (staying, "HTTP/1.1 200", false),
                (leaving, "HTTP/1.1 401", false), (staying, "HTTP/1.1 200", false),
            ]
            for (index, round) in rounds.enumerated() {
                if round.revokeFirst {
                    #expect(try await gateway.admin(.DELETE, "/admin/tokens/\(id)").status == 200)
                }
                connection.send(
                    Self.post("/v1/chat/completions", token: round.token, body: chatBody, requestID: "r\(index)"))
                // Both answers are JSON: the whole one is read before the next request goes out.
                var answer = ""
                for _ in 0..<5
                where !(answer.contains("\r\n\r\n")
                    && answer.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("}"))
                {
                    answer += await connection.read(until: "}", seconds: 10).text
                }
                #expect(answer.hasPrefix(round.status), "round \(index): \(answer)")
            }
            #expect(mock.received.count == 3)
        }
    }

    @Test("pipelined proxied and Hummingbird requests are answered in the order they were sent")
    func pipelinedMixInOrder() async throws {
        try await withProxy { gateway, mock in
            _ = try await gateway.addKeys(["front-pipeline-key-1"])
            let token = try await gateway.createToken()
            var slow = MockUpstream.Behavior()
            slow.delay = .milliseconds(300)
            mock.setDefault(slow)
            let connection = try RawConnection(port: gateway.port)
            // All four in one write: a slow proxied answer first, then the router's, then proxied, then admin.
            connection.send(
                Self.post("/v1/chat/completions", token: token, body: chatBody, requestID: "req-a")
                    + "GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n"
                    + Self.post("/api/chat", token: token, body: chatBody, requestID: "req-b")
                    + "GET /admin/stats HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer \(gateway.adminToken)\r\n\r\n"
                    + Self.post("/v1/chat/completions", token: token, body: chatBody, requestID: "req-c"))
            let reply = await connection.read(until: "x-request-id: req-c", seconds: 60)
            let text = reply.text.lowercased()
            #expect(!reply.closed)
            let marks = [
                "x-request-id: req-a", #""status":"ok""#, "x-request-id: req-b", #""total_requests""#,
                "x-request-id: req-c",
            ]
            let positions = marks.map { text.range(of: $0)?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil }, "\(reply.text)")
            let found = positions.compactMap { $0 }
            #expect(found == found.sorted(), "answers out of order: \(reply.text)")
            #expect(text.components(separatedBy: "http/1.1 200").count - 1 == 5, "\(reply.text)")
        }
    }

    @Test("a client leaving a stream on a kept-alive connection closes the upstream connection at once")
    func disconnectAfterAnEarlierStream() async throws {
        let event = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"
        let upstream = try await CountingHTTPServer.start(
            behavior: .init(body: event, repeats: 200_000, paced: true, contentType: "text/event-stream"))
        defer { Task { try? await upstream.stop() } }
        try await withProxy({ $0.upstream.ollamaURL = "http://127.0.0.1:\(upstream.port)" }) { gateway, _ in
            _ = try await gateway.addKeys(["front-leave-key-0001"])
            let token = try await gateway.createToken()
            var connection: RawConnection? = try RawConnection(port: gateway.port)
            connection?.send(Self.post("/v1/chat/completions", token: token, body: streamBody, requestID: "leave"))
            let head = await connection?.read(until: "data: ", seconds: 60)
            #expect(head?.text.hasPrefix("HTTP/1.1 200") == true)
            #expect(upstream.snapshot.open == 1)
            connection = nil  // closes the socket mid-stream
            var closed = false
            for _ in 0..<100 where !closed {
                try await Task.sleep(for: .milliseconds(50))
                closed = upstream.snapshot.open == 0
            }
            #expect(closed, "the upstream connection stayed open after the client left")
        }
    }

    @Test("a slow client reading a fast large stream keeps the real binary's memory bounded")
    func slowClientMemoryIsBounded() async throws {
        let event =
            "data: {\"choices\":[{\"delta\":{\"content\":\"" + String(repeating: "x", count: 990) + "\"}}]}\n\n"
        let events = 131_072  // 128 MiB
        let upstream = try await CountingHTTPServer.start(
            behavior: .init(body: event, repeats: events, paced: true, contentType: "text/event-stream"))
        defer { Task { try? await upstream.stop() } }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("front-rss-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let served = try ServedBinary.start(
            folder: folder, environment: ["OLLAMA_UPSTREAM_URL": "http://127.0.0.1:\(upstream.port)"])
        defer { served.stop() }
        let admin = "tls-admin-token-0123456789abcdef"
        _ = try await Self.adminPost(
            "/admin/api-keys/import", json: #"{"keys":["front-rss-key-000001"]}"#, port: served.port, token: admin)
        let created = try await Self.adminPost(
            "/admin/tokens", json: #"{"name":"rss"}"#, port: served.port, token: admin)
        let token = try #require(
            created.range(of: #"(?<="token":")[^"]+"#, options: .regularExpression).map { String(created[$0]) })
        let before = try #require(Self.residentBytes(of: served.process.processIdentifier))

        var connection: RawConnection? = try RawConnection(port: served.port)
        connection?.send(Self.post("/v1/chat/completions", token: token, body: streamBody, requestID: "rss"))
        let head = await connection?.read(until: "\r\n\r\n", seconds: 60)
        #expect(head?.text.hasPrefix("HTTP/1.1 200") == true, "\(head?.text ?? "")")
        // The client reads no more; wait until the upstream's writes stall.
        var written = upstream.snapshot.bytesWritten
        for _ in 0..<120 {
            try await Task.sleep(for: .milliseconds(500))
            let now = upstream.snapshot.bytesWritten
            if now == written { break }
            written = now
        }
        let during = try #require(Self.residentBytes(of: served.process.processIdentifier))
        let total = event.utf8.count * events
        #expect(written < total / 4, "the upstream wrote \(written) of \(total) bytes to a client reading none")
        // Generous: socket buffers live in the kernel; what the gateway holds is a few chunks.
        #expect(during - before < 32 << 20, "RSS grew by \(during - before) bytes while the stream stalled")
        connection = nil
    }

    static func adminPost(_ path: String, json: String, port: Int, token: String) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 1 << 22))
    }

    /// The resident set of a process, from `/proc/<pid>/status`.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }
}
