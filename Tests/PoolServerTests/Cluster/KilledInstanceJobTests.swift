import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// A real gateway process killed (`kill -9`) in the middle of a job: the job does not stay `running` forever.
/// Restarted on the same host and port, the instance recognises the job its previous run left and fails it at
/// once; another instance on the same database reads the failure.
@Suite(
    "A job whose process was killed",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the PostgreSQL cluster tests are skipped (scripts/test starts a server)"))
struct KilledInstanceJobTests {
    private static let adminToken = "tls-admin-token-0123456789abcdef"

    private func admin(_ method: HTTPMethod, _ path: String, port: Int, body: String? = nil) async throws -> String {
        try await adminCall(method, path, port: port, token: Self.adminToken, body: body)
    }

    /// A loopback port nobody listens on now (bound by the system, then let go).
    private func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    @Test("killed mid-job and restarted on the same port: the job is failed with the reason, on every instance")
    func killedMidJob() async throws {
        let mock = try await MockUpstream.start()
        defer { Task { await mock.stop() } }
        try await SharedDatabase.withPostgresURL { url in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("killed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let port = try await freePort()
            let environment = [
                "DATABASE_URL": url, "ENCRYPTION_KEY": "killed-instance-encryption-key-0123456789",
                "ADMIN_TOKEN": Self.adminToken, "OLLAMA_UPSTREAM_URL": mock.baseURL,
                "OPENROUTER_UPSTREAM_URL": mock.baseURL + "/api", "HEALTH_CHECK_INTERVAL": "0",
            ]
            let other = try ServedBinary.start(folder: folder, environment: environment)
            defer { other.stop() }
            let doomed = try ServedBinary.start(
                folder: folder, environment: environment.merging(["PORT": "\(port)"]) { $1 })
            var slow = MockUpstream.Behavior()
            slow.delay = .seconds(120)
            mock.set(slow, forKey: "killed-mid-job-key-0000001")
            _ = try await admin(.POST, "/admin/api-keys", port: port, body: #"{"key":"killed-mid-job-key-0000001"}"#)
            let started = try await admin(.POST, "/admin/keys/health-check", port: port, body: "{}")
            let id = try #require(
                started.range(of: #"job_[0-9a-f]+"#, options: .regularExpression).map { String(started[$0]) })
            #expect(try await admin(.GET, "/admin/jobs/\(id)", port: other.port).contains(#""state":"running""#))

            doomed.signal(SIGKILL)
            doomed.process.waitUntilExit()
            let restarted = try ServedBinary.start(
                folder: folder, environment: environment.merging(["PORT": "\(port)"]) { $1 })
            defer { restarted.stop() }
            var answer = ""
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                answer = try await admin(.GET, "/admin/jobs/\(id)", port: restarted.port)
                if !answer.contains(#""state":"running""#) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(answer.contains(#""state":"failed""#))
            #expect(answer.contains("the instance running this job stopped"))
            let elsewhere = try await admin(.GET, "/admin/jobs/\(id)", port: other.port)
            #expect(elsewhere.contains(#""state":"failed""#))
        }
    }
}
