import Foundation
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
}
