import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// The proxy front's hook: every proxied request, however it ends, reaches the request observers exactly once
/// with a record of what happened. A real gateway on loopback in front of the mock upstream.
@Suite("Observability: one request record per proxied request")
struct RequestHookTests {
    @Test("a success: one record with the token, route, model, status, one successful attempt and the usage")
    func success() async throws {
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, _ in
            let id = try await gateway.addKeys(["record-key-00000001"])[0]
            let token = try await gateway.createToken(name: "alice")
            let tokenID = try #require(gateway.gateway.tokens.entries().first?.record.id)
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 200)
            let records = try await collector.awaitRecords(1)
            try #require(records.count == 1)
            let record = records[0]
            #expect(record.id == reply.header("x-request-id"))
            #expect(record.tokenID == tokenID)
            #expect(record.tokenName == "alice")
            #expect(record.provider == .ollama)
            #expect(record.route == "/v1/chat/completions")
            #expect(record.model == "llama3.2:1b")
            #expect(record.stream == false)
            #expect(record.status == 200)
            #expect(record.attempts.map(\.keyID) == [id])
            #expect(record.attempts.map(\.result) == [.success])
            #expect(record.attempts.first?.status == 200)
            #expect(record.attempts.first?.error == nil)
            #expect(record.promptTokens == 5)
            #expect(record.completionTokens == 7)
            #expect(record.cached == false)
            #expect(record.error == nil)
            #expect(record.seconds > 0)
            #expect(record.upstreamSeconds > 0 && record.upstreamSeconds <= record.seconds)
            #expect(record.firstByteSeconds.map { $0 > 0 && $0 <= record.seconds } == true)
            #expect(abs(record.startedAt.timeIntervalSinceNow) < 300)
            #expect(collector.streamsStarted.isEmpty)
        }
    }

    @Test("a failover: both attempts listed in order with their keys, results and statuses")
    func failover() async throws {
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, mock in
            let ids = try await gateway.addKeys(["limited-key-0000001", "healthy-key-0000002"])
            mock.set(.status(429, headers: ["retry-after": "30"]), forKey: "limited-key-0000001")
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 200)
            #expect(reply.header("x-pool-attempts") == "2")
            let records = try await collector.awaitRecords(1)
            try #require(records.count == 1)
            let attempts = records[0].attempts
            #expect(attempts.map(\.keyID) == ids)
            #expect(attempts.map(\.result) == [.rateLimited, .success])
            #expect(attempts.map(\.status) == [429, 200])
            #expect(attempts[0].error != nil)
            #expect(records[0].status == 200)
        }
    }

    @Test("a pool that fails every attempt: the gateway's 502 and its message, each attempt failed")
    func exhausted() async throws {
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, mock in
            try await gateway.addKeys(["broken-key-00000001", "broken-key-00000002"])
            mock.setDefault(.status(500))
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 502)
            let records = try await collector.awaitRecords(1)
            try #require(records.count == 1)
            #expect(records[0].status == 502)
            #expect(records[0].attempts.map(\.result) == [.failed, .failed])
            #expect(records[0].error?.contains("the upstream failed on 2 attempt(s)") == true)
        }
    }

    @Test("a stream: one record marked as a stream, and streamStarted once its first byte went out")
    func stream() async throws {
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, _ in
            let id = try await gateway.addKeys(["stream-record-key-01"])[0]
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: streamBody)
            #expect(reply.status == 200)
            let records = try await collector.awaitRecords(1)
            try #require(records.count == 1)
            #expect(records[0].stream)
            #expect(records[0].status == 200)
            #expect(records[0].attempts.map(\.keyID) == [id])
            #expect(records[0].attempts.map(\.result) == [.success])
            #expect(records[0].promptTokens == 11)
            #expect(records[0].firstByteSeconds != nil)
            #expect(collector.streamsStarted == [.ollama])
        }
    }

    @Test("refusals at the edge: a missing token and a bad body each give one record with the gateway's error")
    func refusals() async throws {
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, _ in
            try await gateway.addKeys(["refusal-key-0000001"])
            let token = try await gateway.createToken(name: "bob")
            let unauthorized = try await gateway.request(.POST, "/v1/chat/completions", body: chatBody)
            #expect(unauthorized.status == 401)
            let badBody = try await gateway.request(.POST, "/api/chat", token: token, body: "{not json")
            #expect(badBody.status == 400)
            let records = try await collector.awaitRecords(2)
            try #require(records.count == 2)
            #expect(records[0].status == 401)
            #expect(records[0].tokenID == nil)
            #expect(records[0].attempts.isEmpty)
            #expect(records[0].error != nil)
            #expect(!records[0].id.isEmpty)
            #expect(records[1].status == 400)
            #expect(records[1].route == "/api/chat")
            #expect(records[1].tokenName == "bob")
            #expect(records[1].id == badBody.header("x-request-id"))
            #expect(records[1].error != nil)
            #expect(records[1].attempts.isEmpty)
        }
    }

    @Test("a model list answered from the cache is one record marked cached, with no attempt")
    func cachedModelList() async throws {
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, mock in
            try await gateway.addKeys(["tags-key-0000000001"])
            let token = try await gateway.createToken()
            let first = try await gateway.request(.GET, "/api/tags", token: token)
            let second = try await gateway.request(.GET, "/api/tags", token: token)
            #expect(first.status == 200 && second.status == 200)
            #expect(mock.received.count == 1)
            let records = try await collector.awaitRecords(2)
            try #require(records.count == 2)
            #expect(records.map(\.cached) == [false, true])
            #expect(records.map(\.attempts.count) == [1, 0])
            #expect(records.map(\.route) == ["/api/tags", "/api/tags"])
        }
    }

    @Test("a client that leaves mid-stream: one record, its attempt cancelled")
    func clientGone() async throws {
        var behavior = MockUpstream.Behavior()
        behavior.chunks = 100
        behavior.chunkGap = .milliseconds(100)
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, mock in
            try await gateway.addKeys(["leaving-key-0000001"])
            mock.setDefault(behavior)
            let token = try await gateway.createToken()
            try await gateway.leaveStream("/v1/chat/completions", token: token, body: streamBody)
            let records = try await collector.awaitRecords(1)
            try #require(records.count == 1)
            #expect(records[0].stream)
            #expect(records[0].status == 200)
            #expect(records[0].attempts.map(\.result) == [.cancelled])
            #expect(collector.streamsStarted.count == 1)
        }
    }

    @Test("a stream the shutdown grace ends: one record with the gateway's error, written by the last flush")
    func shutdownEndsStream() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-hook-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mock = try await MockUpstream.start()
        var held = MockUpstream.Behavior()
        held.holdAfterFirst = true
        mock.setDefault(held)
        let collector = RecordCollector()
        let gateway = try await TestGateway.start(directory: folder, observers: [collector]) {
            $0.upstream.ollamaURL = mock.baseURL
            $0.shutdownGrace = 1
        }
        let id = try await gateway.addKeys(["grace-record-key-001"])[0]
        let token = try await gateway.createToken()
        let response = try await gateway.openStream("/v1/chat/completions", token: token, body: streamBody)
        var chunks = response.body.makeAsyncIterator()
        _ = try? await chunks.next()
        await gateway.beginShutdown()
        while (try? await chunks.next()) != nil {}
        await gateway.stop(removeFiles: false)
        mock.release()
        await mock.stop()

        let records = collector.records
        try #require(records.count == 1)
        #expect(records[0].stream)
        #expect(records[0].status == 200)
        #expect(records[0].attempts.map(\.keyID) == [id])
        #expect(records[0].attempts.map(\.result) == [.cancelled])
        #expect(records[0].error?.contains("shut down") == true)

        let restarted = try await TestGateway.start(directory: folder)
        let stored = try await restarted.gateway.store.requestLog(RequestFilter(), limit: 10, before: nil)
        #expect(stored == records)
        await restarted.stop(removeFiles: false)
    }
}
