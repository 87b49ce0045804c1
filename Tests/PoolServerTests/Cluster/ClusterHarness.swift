import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PoolStore
import PostgresNIO
import Synchronization
import Testing

/// Real gateway processes on one PostgreSQL database, in front of one mock upstream: starting them, talking to
/// them over loopback HTTP, and reading what the database holds.
struct ClusterHarness {
    static let adminToken = "cluster-admin-token-0123456789abcdef"
    static let chatBody = #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#

    let url: String
    let mock: MockUpstream
    let folder: URL

    /// The environment every instance runs with.
    var environment: [String: String] {
        [
            "DATABASE_URL": url, "ENCRYPTION_KEY": "cluster-tests-encryption-key-0123456789",
            "ADMIN_TOKEN": Self.adminToken, "OLLAMA_UPSTREAM_URL": mock.baseURL, "LOG_LEVEL": "info",
        ]
    }

    /// Runs `body` with a fresh database, a mock upstream and a scratch folder; stops the mock afterwards.
    static func run(_ body: (ClusterHarness) async throws -> Void) async throws {
        try await SharedDatabase.withPostgresURL { url in
            try await run(url: url, body)
        }
    }

    static func run(url: String, _ body: (ClusterHarness) async throws -> Void) async throws {
        let mock = try await MockUpstream.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        do {
            try await body(ClusterHarness(url: url, mock: mock, folder: folder))
        } catch {
            await mock.stop()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        await mock.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    func start() throws -> ServedBinary {
        try ServedBinary.start(folder: folder, environment: environment)
    }

    /// Imports `secrets` and creates a client token through `instance`; returns the token.
    func seed(through instance: ServedBinary, secrets: [String]) async throws -> String {
        let keys = secrets.map { "\"\($0)\"" }.joined(separator: ",")
        let imported = try await Self.call(
            .POST, "/admin/api-keys/import", port: instance.port, body: #"{"keys":[\#(keys)]}"#)
        #expect(imported.status == 200, "\(imported.body)")
        let created = try await Self.call(.POST, "/admin/tokens", port: instance.port, body: #"{"name":"cluster"}"#)
        let json = try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any]
        return try #require(json?["token"] as? String)
    }

    /// One HTTP call; `bearer` nil means the admin token.
    static func call(
        _ method: HTTPMethod, _ path: String, port: Int, bearer: String? = nil, body: String? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(bearer ?? adminToken)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 24)))
    }

    /// One chat completion through `port`; its status (0 when the connection failed or it took over `timeout`:
    /// a request in flight to a killed process can otherwise wait for the whole default timeout).
    static func chat(port: Int, token: String, timeout: TimeAmount = .seconds(10)) async -> Int {
        let reply = try? await call(
            .POST, "/v1/chat/completions", port: port, bearer: token, body: chatBody, timeout: timeout)
        return reply?.status ?? 0
    }

    /// A JSON answer's object.
    static func json(_ port: Int, _ path: String, bearer: String? = nil) async throws -> [String: Any] {
        let reply = try await call(.GET, path, port: port, bearer: bearer)
        return try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
    }

    /// Waits until `holds` (polled every 20 ms, at most `seconds`); true when it came true.
    static func eventually(seconds: Double = 20, _ holds: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await holds() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Sends SIGTERM and waits for the process to end (its last flush included).
    static func stopGracefully(_ instance: ServedBinary) {
        instance.signal(SIGTERM)
        instance.process.waitUntilExit()
    }

    /// The first column of each row of `sql`, as integers (NULL as 0), run on the test's database.
    func integers(_ sql: String) async throws -> [Int] {
        let settings = try PostgresConnectionSettings(url: url)
        let logger = Logger(label: "cluster-harness")
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: settings.host, port: settings.port, username: settings.username, password: nil,
                database: settings.database, tls: .disable),
            id: 2, logger: logger)
        do {
            var values: [Int] = []
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                .decode(Int64?.self)
            {
                values.append(Int(value ?? 0))
            }
            try await connection.close()
            return values
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A value several test tasks share (a counter to hand out work, a stop flag, what was answered when).
final class SharedBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result { value.withLock { body(&$0) } }

    var current: Value { value.withLock { $0 } }
}
