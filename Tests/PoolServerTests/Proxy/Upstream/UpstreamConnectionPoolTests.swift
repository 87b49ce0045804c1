import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import PoolServer

/// The upstream client's connection pool against a real loopback server that counts connections.
@Suite("Upstream connection pool")
struct UpstreamConnectionPoolTests {
    /// A client on one event loop of its own, so the per-loop connection cap is the cap.
    static func withClient(
        _ configure: (inout UpstreamConnectionPool.Settings) -> Void = { _ in },
        firstByteTimeout: TimeAmount = .seconds(30),
        _ body: (UpstreamClient) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var settings = UpstreamConnectionPool.Settings()
        configure(&settings)
        let client = UpstreamClient(group: group, settings: settings, firstByteTimeout: firstByteTimeout)
        do {
            try await body(client)
        } catch {
            try? await client.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        try await client.shutdown()
        try await group.shutdownGracefully()
    }

    static func get(_ client: UpstreamClient, _ url: String) async throws -> String {
        let response = try await client.execute(UpstreamRequest(url: url))
        let body = try await response.body.collect(upTo: 1 << 24)
        return String(buffer: body)
    }

    /// Waits (up to 10 s) until `condition` holds.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test("sequential requests reuse one keep-alive connection")
    func reusesConnection() async throws {
        let server = try await CountingHTTPServer.start()
        defer { Task { try? await server.stop() } }
        try await Self.withClient { client in
            for _ in 0..<5 {
                let answered = try await Self.get(client, "http://127.0.0.1:\(server.port)/x") == "ok"
                #expect(answered)
            }
            #expect(server.snapshot.accepted == 1)
            #expect(server.snapshot.requests == 5)
            let count = try await client.connectionCount(to: "http://127.0.0.1:\(server.port)")
            #expect(count.open == 1 && count.idle == 1)
        }
    }

    @Test("no more connections than the cap; the others wait for one to come free")
    func capsConnections() async throws {
        let server = try await CountingHTTPServer.start(behavior: .init(delay: .milliseconds(100)))
        defer { Task { try? await server.stop() } }
        try await Self.withClient({ $0.maxConnectionsPerOrigin = 2 }) { client in
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await Self.get(client, "http://127.0.0.1:\(server.port)/") }
                }
                for try await body in group { #expect(body == "ok") }
            }
            #expect(server.snapshot.requests == 6)
            #expect(server.snapshot.accepted == 2)
            #expect(server.snapshot.maxOpen <= 2)
        }
    }

    @Test("a connection the upstream closed after answering is not reused")
    func discardsClosedConnection() async throws {
        let server = try await CountingHTTPServer.start(behavior: .init(closeAfterAnswer: true))
        defer { Task { try? await server.stop() } }
        try await Self.withClient { client in
            for _ in 0..<3 {
                let answered = try await Self.get(client, "http://127.0.0.1:\(server.port)/") == "ok"
                #expect(answered)
                // The close reaches the parked connection's armed read; the next request then opens a new one.
                let closed = try await Self.eventually { server.snapshot.open == 0 }
                #expect(closed)
            }
            #expect(server.snapshot.accepted == 3)
            let nothingOpen = try await client.connectionCount(to: "http://127.0.0.1:\(server.port)").open == 0
            #expect(nothingOpen)
        }
    }

    @Test("a request met by the close of a reused connection, with no answer yet, is sent again once on a new one")
    func resendsOnceAfterReusedConnectionCloses() async throws {
        let server = try await CountingHTTPServer.start(behavior: .init(dropAfterFirst: true))
        defer { Task { try? await server.stop() } }
        try await Self.withClient { client in
            let first = try await Self.get(client, "http://127.0.0.1:\(server.port)/")
            let second = try await Self.get(client, "http://127.0.0.1:\(server.port)/")
            #expect(first == "ok" && second == "ok")
            #expect(server.snapshot.requests == 3)
            #expect(server.snapshot.accepted == 2)
        }
    }

    @Test("a request whose new connection closes without an answer fails, and is not sent again")
    func noResendOnNewConnection() async throws {
        let server = try await CountingHTTPServer.start(behavior: .init(dropAll: true))
        defer { Task { try? await server.stop() } }
        try await Self.withClient { client in
            await #expect(throws: UpstreamError.remoteClosed) {
                _ = try await Self.get(client, "http://127.0.0.1:\(server.port)/")
            }
            #expect(server.snapshot.requests == 1)
        }
    }

    @Test("an answer given up half-read closes its connection instead of returning it to the pool")
    func discardsHalfReadConnection() async throws {
        let server = try await CountingHTTPServer.start(
            behavior: .init(body: String(repeating: "x", count: 1024), repeats: 4096))
        defer { Task { try? await server.stop() } }
        try await Self.withClient { client in
            let url = "http://127.0.0.1:\(server.port)/"
            do {
                let response = try await client.execute(UpstreamRequest(url: url))
                var iterator = response.body.makeAsyncIterator()
                _ = try await iterator.next()
            }
            let closed = try await Self.eventually { server.snapshot.open == 0 }
            #expect(closed)
            let wholeBody = try await Self.get(client, url).utf8.count == 4 << 20
            #expect(wholeBody)
            #expect(server.snapshot.accepted == 2)
        }
    }

    @Test("a parked connection closes after the idle timeout")
    func closesIdleConnection() async throws {
        let server = try await CountingHTTPServer.start()
        defer { Task { try? await server.stop() } }
        try await Self.withClient({ $0.idleTimeout = .milliseconds(200) }) { client in
            let answered = try await Self.get(client, "http://127.0.0.1:\(server.port)/") == "ok"
            #expect(answered)
            let closed = try await Self.eventually { server.snapshot.open == 0 }
            #expect(closed)
            let nothingOpen = try await client.connectionCount(to: "http://127.0.0.1:\(server.port)").open == 0
            #expect(nothingOpen)
        }
    }

    @Test("no answer head within the first-byte timeout fails the request")
    func firstByteTimeout() async throws {
        let server = try await CountingHTTPServer.start(behavior: .init(hang: true))
        defer { Task { try? await server.stop() } }
        try await Self.withClient(firstByteTimeout: .milliseconds(300)) { client in
            await #expect(throws: UpstreamError.firstByteTimeout) {
                _ = try await Self.get(client, "http://127.0.0.1:\(server.port)/")
            }
        }
    }

    @Test("HTTPS to a server whose self-signed certificate the client trusts; refused when it does not")
    func tls() async throws {
        let certificate = try NIOSSLCertificate.fromPEMFile(TLSTests.fixture("first.cert.pem").path)[0]
        let key = try NIOSSLPrivateKey(file: TLSTests.fixture("first.key.pem").path, format: .pem)
        let context = try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))
        let server = try await CountingHTTPServer.start(tls: context)
        defer { Task { try? await server.stop() } }
        try await Self.withClient({ $0.tls.trustRoots = .certificates([certificate]) }) { client in
            let first = try await Self.get(client, "https://127.0.0.1:\(server.port)/") == "ok"
            #expect(first)
            let second = try await Self.get(client, "https://127.0.0.1:\(server.port)/") == "ok"
            #expect(second)
            #expect(server.snapshot.accepted == 1)
        }
        try await Self.withClient { client in
            await #expect(throws: (any Error).self) {
                _ = try await Self.get(client, "https://127.0.0.1:\(server.port)/")
            }
        }
    }
}
