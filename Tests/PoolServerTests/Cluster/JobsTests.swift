import Foundation
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// Jobs kept in the store: a job started on one instance is followed on another, and survives a restart; a job
/// whose instance stopped is marked failed instead of staying `running` forever.
@Suite("Jobs shared through the store")
struct JobsTests {
    private static let encryptionKey = "jobs-tests-encryption-key-0123456789"

    /// Points a test gateway at `databaseURL` and the mock, with a known encryption key.
    private func configure(_ databaseURL: String, mock: MockUpstream) -> (inout GatewayConfiguration) -> Void {
        { configuration in
            configuration.persistence.databaseURL = databaseURL
            configuration.persistence.encryptionKey = Self.encryptionKey
            configuration.upstream.ollamaURL = mock.baseURL
            configuration.upstream.openRouterURL = mock.baseURL + "/api"
            configuration.keyChecks.healthCheckInterval = 0
        }
    }

    /// Polls `GET /admin/jobs/{id}` on `gateway` until `holds` is true for it (generous slack).
    private func eventually(
        _ gateway: TestGateway, job id: String, _ holds: ([String: Any]) -> Bool
    ) async throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let reply = try await gateway.admin(.GET, "/admin/jobs/\(id)")
            if reply.status == 200, holds(reply.json) { return reply.json }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test(
        "a health check started on A is followed on B while it runs and read there when done",
        .enabled(if: SharedDatabase.postgresURL != nil, "POOL_TEST_POSTGRES_URL is not set"))
    func startedOnAReadOnB() async throws {
        let mock = try await MockUpstream.start()
        defer { Task { await mock.stop() } }
        try await SharedDatabase.withPostgresURL { url in
            let a = try await TestGateway.start(configure(url, mock: mock))
            let b: TestGateway
            do { b = try await TestGateway.start(configure(url, mock: mock)) } catch {
                await a.stop()
                throw error
            }
            do {
                let secrets = (1...5).map { "jobs-shared-key-00000000\($0)" }
                try await a.addKeys(secrets)
                mock.set(.status(401), forKey: secrets[1])
                // One slow key keeps the job running for a while after the others are done.
                var slow = MockUpstream.Behavior()
                slow.delay = .seconds(3)
                mock.set(slow, forKey: secrets[4])

                let started = try await a.admin(.POST, "/admin/keys/health-check", json: [String: Any]())
                #expect(started.status == 202)
                let id = try #require(started.json["job_id"] as? String)
                // Readable on B as soon as A answered, and its progress reaches B while it runs.
                let first = try await b.admin(.GET, "/admin/jobs/\(id)")
                #expect(first.status == 200)
                #expect(first.json["kind"] as? String == "health_check")
                let midway = try await eventually(b, job: id) {
                    $0["state"] as? String == "running" && $0["done"] as? Int == 4
                }
                #expect(midway?["invalid"] as? Int == 1)

                let onA = try await a.awaitJob(id)
                #expect(onA["state"] as? String == "done")
                let done = try await eventually(b, job: id) { $0["state"] as? String == "done" }
                #expect(done != nil)
                // The same answer on both, result included (keys masked, as the API shows them).
                #expect(try await b.admin(.GET, "/admin/jobs/\(id)").body == a.admin(.GET, "/admin/jobs/\(id)").body)
                let onB = try await b.admin(.GET, "/admin/jobs/\(id)").body
                #expect(onB.contains("\"checked\":5"))
                #expect(!secrets.contains { onB.contains($0) })
                let list = try await b.admin(.GET, "/admin/jobs")
                #expect(list.body.contains(id))
            } catch {
                await b.stop()
                await a.stop()
                throw error
            }
            await b.stop()
            await a.stop()
        }
    }

    @Test(
        "after a restart a finished job is still there, and one its stopped instance left running is failed",
        arguments: SharedDatabase.tested)
    func survivesRestart(database: SharedDatabase) async throws {
        let mock = try await MockUpstream.start()
        defer { Task { await mock.stop() } }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run: (String) async throws -> Void = { url in
            let first = try await TestGateway.start(directory: folder, self.configure(url, mock: mock))
            let id: String
            let answer: String
            do {
                try await first.addKeys(["jobs-restart-key-0000001"])
                id = try #require(
                    try await first.runJob("/admin/keys/health-check", json: [String: Any]())["id"] as? String)
                answer = try await first.admin(.GET, "/admin/jobs/\(id)").body
            } catch {
                await first.stop(removeFiles: false)
                throw error
            }
            await first.stop(removeFiles: false)

            // What a process killed in the middle of a job leaves: its row `running`, its heartbeat going stale.
            let store = try await openStore(
                try StoreLocation.parse(url), cipher: SecretCipher(passphrase: Self.encryptionKey),
                logger: SharedDatabase.logger)
            let stale = Date().addingTimeInterval(-40)
            try await store.recordHeartbeat(instance: "inst_killed", name: nil, at: stale)
            try await store.saveJob(
                StoredJob(
                    id: "job_left_running", kind: "validated_import", instance: "inst_killed", total: 9, done: 3,
                    createdAt: stale))
            try await store.close()

            let second = try await TestGateway.start(directory: folder, self.configure(url, mock: mock))
            do {
                let again = try await second.admin(.GET, "/admin/jobs/\(id)")
                #expect(again.status == 200)
                #expect(again.body == answer)
                let failed = try await eventually(second, job: "job_left_running") {
                    $0["state"] as? String != "running"
                }
                #expect(failed?["state"] as? String == "failed")
                #expect(failed?["error"] as? String == "the instance running this job stopped")
                #expect(failed?["done"] as? Int == 3)
                #expect(try await second.admin(.GET, "/admin/jobs/job_never_was").status == 404)
            } catch {
                await second.stop(removeFiles: false)
                throw error
            }
            await second.stop(removeFiles: false)
        }
        switch database {
        case .sqlite: try await run("sqlite:" + folder.appendingPathComponent("pool.sqlite").path)
        case .postgres: try await SharedDatabase.withPostgresURL(run)
        }
    }
}
