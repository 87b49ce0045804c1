import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PoolCore
import PoolStore
import ServiceLifecycle
import Synchronization

@testable import PoolServer

/// A gateway on an ephemeral loopback port with its own temporary SQLite file, driven over real TCP.
final class TestGateway: Sendable {
    let gateway: Gateway
    let port: Int
    let adminToken: String
    let directory: URL
    let client: HTTPClient
    private let group: ServiceGroup
    private let task: Task<Void, Never>

    private init(
        gateway: Gateway, port: Int, adminToken: String, directory: URL, group: ServiceGroup,
        task: Task<Void, Never>
    ) {
        self.gateway = gateway
        self.port = port
        self.adminToken = adminToken
        self.directory = directory
        self.group = group
        self.task = task
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(120), read: .seconds(300))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a gateway. `directory` reuses a database folder (for restart tests); by default a fresh one is made.
    static func start(
        directory: URL? = nil,
        clock: any PoolClock = SystemClock(),
        adminToken: String = "test-admin-token-0123456789",
        observers: [any RequestObserver] = [],
        _ configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) async throws -> TestGateway {
        let directory =
            directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pool-test-\(UUID().uuidString)")
        var configuration = GatewayConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.persistence.databaseURL = "sqlite:" + directory.appendingPathComponent("pool.sqlite").path
        configuration.adminToken = adminToken
        configuration.logLevel = .critical
        configuration.persistence.flushInterval = 0.05
        configuration.persistence.keyStatsFlushInterval = 0.05
        configure(&configuration)
        var logger = Logger(label: "test-gateway")
        logger.logLevel = .critical
        let gateway = try await Gateway.open(
            configuration: configuration, logger: logger, clock: clock, announceAdminToken: { _ in })
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try buildApplication(gateway: gateway, observers: observers) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = gatewayServiceGroup(running: app, gateway: gateway, signals: [], logger: logger)
        let task = Task { await runGateway(group, gateway: gateway, logger: logger) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return TestGateway(
            gateway: gateway, port: port, adminToken: adminToken, directory: directory, group: group, task: task)
    }

    /// Starts a graceful shutdown (what SIGTERM does) without waiting for it.
    func beginShutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// Stops like SIGTERM would: drains, flushes, closes the store. Keeps the folder unless `removeFiles`.
    func stop(removeFiles: Bool = true) async {
        try? await client.shutdown()
        await group.triggerGracefulShutdown()
        await task.value
        if removeFiles { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: Requests

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    func request(
        _ method: HTTPMethod, _ path: String, token: String? = nil, headers: [String: String] = [:], body: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(300))
        let bytes = try await response.body.collect(upTo: 256 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// Posts `body` and returns the answer with its body still streaming, for tests that read it chunk by chunk.
    func openStream(
        _ path: String, token: String, body: String, client: HTTPClient? = nil
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        return try await (client ?? self.client).execute(request, timeout: .seconds(60))
    }

    /// Opens a stream on a client of its own, reads `chunks` of it, then closes that client: the client leaves
    /// mid-stream, as a user closing a tab would.
    func leaveStream(_ path: String, token: String, body: String, afterChunks chunks: Int = 1) async throws {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            let response = try await openStream(path, token: token, body: body, client: client)
            var iterator = response.body.makeAsyncIterator()
            for _ in 0..<chunks { _ = try await iterator.next() }
        } catch {
            // A client left unshut would abort the whole test process in its deinit.
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// Posts `body` and collects the streamed answer's chunks as they arrived.
    func streamChunks(_ path: String, token: String, body: String) async throws -> [String] {
        let response = try await openStream(path, token: token, body: body)
        var chunks: [String] = []
        for try await chunk in response.body { chunks.append(String(buffer: chunk)) }
        return chunks
    }

    func admin(_ method: HTTPMethod, _ path: String, json: Any? = nil) async throws -> Reply {
        let body = try json.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        return try await request(method, path, token: adminToken, body: body)
    }

    /// Adds keys through the admin API and returns their ids in order.
    @discardableResult
    func addKeys(_ secrets: [String], provider: String = "ollama") async throws -> [String] {
        let reply = try await admin(.POST, "/admin/api-keys/import", json: ["keys": secrets, "provider": provider])
        precondition(reply.status == 200, "import failed: \(reply.body)")
        return secrets.map { gateway.pool.resolveID($0)! }
    }

    /// Creates a client token through the admin API.
    func createToken(name: String = "test", provider: String? = nil, ttl: Double? = nil) async throws -> String {
        var body: [String: Any] = ["name": name]
        if let provider { body["provider"] = provider }
        if let ttl { body["ttl"] = ttl }
        let reply = try await admin(.POST, "/admin/tokens", json: body)
        precondition(reply.status == 201, "token creation failed: \(reply.body)")
        return reply.json["token"] as! String
    }
}

/// Runs `body` with a mock upstream and a gateway pointed at it, and always stops both.
func withProxy(
    clock: any PoolClock = SystemClock(),
    observers: [any RequestObserver] = [],
    _ configure: (inout GatewayConfiguration) -> Void = { _ in },
    _ body: (TestGateway, MockUpstream) async throws -> Void
) async throws {
    let mock = try await MockUpstream.start()
    let gateway: TestGateway
    do {
        gateway = try await TestGateway.start(clock: clock, observers: observers) { configuration in
            configuration.upstream.ollamaURL = mock.baseURL
            configuration.upstream.openRouterURL = mock.baseURL + "/api"
            configure(&configuration)
        }
    } catch {
        await mock.stop()
        throw error
    }
    do {
        try await body(gateway, mock)
    } catch {
        await gateway.stop()
        await mock.stop()
        throw error
    }
    await gateway.stop()
    await mock.stop()
}

/// Runs `body` with a gateway that has no upstream in play.
func withGateway(
    _ configure: (inout GatewayConfiguration) -> Void = { _ in }, _ body: (TestGateway) async throws -> Void
) async throws {
    let gateway = try await TestGateway.start(configure)
    do {
        try await body(gateway)
    } catch {
        await gateway.stop()
        throw error
    }
    await gateway.stop()
}
