import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("a shutdown lets in-flight requests finish and flushes their statistics")
    func drainsInFlightRequests() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-drain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mock = try await MockUpstream.start()
        var slow = MockUpstream.Behavior()
        slow.delay = .milliseconds(800)
        mock.setDefault(slow)
        let gateway = try await TestGateway.start(directory: folder) { $0.upstream.ollamaURL = mock.baseURL }
        let id = try await gateway.addKeys(["drain-key-000000001"])[0]
        let token = try await gateway.createToken()

        async let reply = gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
        let deadline = ContinuousClock.now + .seconds(10)
        while mock.received.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        await gateway.beginShutdown()
        let finished = try await reply
        #expect(finished.status == 200)
        #expect(finished.json["object"] as? String == "chat.completion")
        await gateway.stop(removeFiles: false)
        await mock.stop()

        let restarted = try await TestGateway.start(directory: folder)
        #expect(restarted.gateway.pool.view(id: id)?.stats.successes == 1)
        await restarted.stop(removeFiles: false)
    }

    @Test("after SHUTDOWN_GRACE_SECONDS an open stream ends with an error event in its dialect and is counted")
    func graceEndsStreams() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-grace-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mock = try await MockUpstream.start()
        var held = MockUpstream.Behavior()
        held.holdAfterFirst = true
        mock.setDefault(held)
        let gateway = try await TestGateway.start(directory: folder) {
            $0.upstream.ollamaURL = mock.baseURL
            $0.shutdownGrace = 1
        }
        _ = try await gateway.addKeys(["grace-key-0000000001"])
        let token = try await gateway.createToken()

        let response = try await gateway.openStream("/v1/chat/completions", token: token, body: streamBody)
        var chunks = response.body.makeAsyncIterator()
        let first = try? await chunks.next().map { String(buffer: $0) }
        #expect(first?.hasPrefix("data: ") == true)
        let started = ContinuousClock.now
        await gateway.beginShutdown()
        var rest = ""
        var ending: (any Error)?
        do {
            while let chunk = try await chunks.next() { rest += String(buffer: chunk) }
        } catch {
            ending = error
        }
        #expect(ending == nil, "the stream should end properly, not with \(String(describing: ending))")
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(rest.contains("the gateway is shutting down; this answer is incomplete"), "\(rest)")
        #expect(rest.hasPrefix("data: {\"error\""), "\(rest)")
        #expect(!rest.contains("[DONE]"))
        await gateway.stop(removeFiles: false)
        mock.release()
        await mock.stop()

        let restarted = try await TestGateway.start(directory: folder)
        let stats = try await restarted.admin(.GET, "/admin/stats?provider=ollama")
        #expect(stats.json["total_requests"] as? Int == 1)
        await restarted.stop(removeFiles: false)
    }
}
