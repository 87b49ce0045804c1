import Foundation
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `SHUTDOWN_DELAY_SECONDS` on the real binary and a real SIGTERM: readiness turns 503 at once, the listener keeps
/// accepting during the delay, then closes while an in-flight request still drains.
@Suite("Shutdown delay")
struct ShutdownDelayTests {
    @Test("after SIGTERM /health/ready is 503 while new connections are still served; after the delay the port refuses")
    func readyTurnsUnreadyBeforeTheListenerCloses() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-delay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let mock = try await MockUpstream.start()
        // Longer than the delay: the request is still in flight when the listener closes.
        var slow = MockUpstream.Behavior()
        slow.delay = .seconds(12)
        mock.setDefault(slow)
        let served = try ServedBinary.start(
            folder: folder,
            environment: ["OLLAMA_UPSTREAM_URL": mock.baseURL, "SHUTDOWN_DELAY_SECONDS": "4"])
        defer { served.stop() }
        let admin = "tls-admin-token-0123456789abcdef"
        _ = try await adminCall(
            .POST, "/admin/api-keys/import", port: served.port, token: admin, body: #"{"keys":["delay-key-00000001"]}"#)
        let created = try await adminCall(
            .POST, "/admin/tokens", port: served.port, token: admin, body: #"{"name":"d"}"#)
        let token = try #require(
            created.range(of: #"(?<="token":")[^"]+"#, options: .regularExpression).map { String(created[$0]) })
        #expect(try await Self.get("/health/ready", port: served.port).hasPrefix("HTTP/1.1 200"))

        let inFlight = try RawConnection(port: served.port)
        inFlight.send(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(chatBody.utf8.count)\r\nConnection: close\r\n\r\n"
                + chatBody)
        let deadline = ContinuousClock.now + .seconds(30)
        while mock.received.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!mock.received.isEmpty)

        served.signal(SIGTERM)
        #expect(served.waitForLog("not ready any more"))
        // During the delay: new connections are accepted and served; readiness says why not.
        let ready = try await Self.get("/health/ready", port: served.port)
        #expect(ready.hasPrefix("HTTP/1.1 503"), "\(ready)")
        #expect(ready.contains(#""reasons":["draining"]"#), "\(ready)")
        #expect(try await Self.get("/health/live", port: served.port).hasPrefix("HTTP/1.1 200"))
        #expect(served.process.isRunning)

        // After the delay the listener closes, while the in-flight request keeps the process draining.
        var refused = false
        while !refused, ContinuousClock.now < deadline + .seconds(30) {
            do {
                _ = try RawConnection(port: served.port)
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                refused = true
            }
        }
        #expect(refused, "the port still accepts")
        #expect(served.process.isRunning, "the in-flight request should still be draining")
        let answer = await inFlight.readUntilClosed(seconds: 60)
        #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")
        let exit = ContinuousClock.now + .seconds(60)
        while served.process.isRunning, ContinuousClock.now < exit { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!served.process.isRunning)
        #expect(served.process.terminationStatus == 0)
        await mock.stop()
    }

    /// A GET on a new connection; the whole answer as text.
    static func get(_ path: String, port: Int) async throws -> String {
        let connection = try RawConnection(port: port)
        connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return await connection.readUntilClosed(seconds: 30).text
    }
}
