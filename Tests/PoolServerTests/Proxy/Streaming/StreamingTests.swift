import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

@Suite("Proxy: streaming")
struct StreamingTests {
    @Test("SSE chunks arrive in order, the first while the upstream still holds the rest, and usage is counted")
    func chunksArriveAsTheyAreSent() async throws {
        var behavior = MockUpstream.Behavior()
        behavior.chunks = 6
        behavior.holdAfterFirst = true
        try await withProxy { gateway, mock in
            let id = try await gateway.addKeys(["stream-key-00000001"])[0]
            mock.setDefault(behavior)
            let token = try await gateway.createToken()
            let response = try await gateway.openStream("/v1/chat/completions", token: token, body: streamBody)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "content-type") == "text/event-stream")
            #expect(response.headers.first(name: "x-pool-key-id") == id)
            var received = ""
            var sentWhenFirstArrived: Int?
            for try await chunk in response.body {
                received += String(buffer: chunk)
                if sentWhenFirstArrived == nil {
                    // The first event reached the client while the upstream still holds back the rest.
                    sentWhenFirstArrived = mock.chunksSent
                    mock.release()
                }
            }
            #expect(sentWhenFirstArrived == 1)
            let events = received.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.count == 7)
            #expect(events.last == "data: [DONE]")
            for index in 0..<5 { #expect(events[index].contains("\"c\(index)\"")) }

            try await Task.sleep(for: .milliseconds(200))
            let view = gateway.gateway.pool.view(id: id)!
            #expect(view.stats.successes == 1)
            #expect(view.stats.promptTokens == 11)
            #expect(view.stats.completionTokens == 6)
        }
    }

    @Test("a stream cut mid-way ends with an OpenAI error event, no [DONE], and a recorded failure")
    func cutMidStream() async throws {
        var behavior = MockUpstream.Behavior()
        behavior.chunks = 5
        behavior.cutAfter = 2
        try await withProxy { gateway, mock in
            let id = try await gateway.addKeys(["cut-key-0000000001", "spare-key-00000002"])[0]
            mock.setDefault(behavior)
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: streamBody)
            #expect(reply.status == 200)
            #expect(reply.body.contains("\"c0\"") && reply.body.contains("\"c1\""))
            #expect(!reply.body.contains("[DONE]"))
            let lastEvent = reply.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }.last ?? ""
            #expect(lastEvent.hasPrefix("data: {\"error\""))
            #expect(lastEvent.contains("upstream_error"))
            #expect(mock.received.count == 1)
            try await Task.sleep(for: .milliseconds(200))
            let servedBy = reply.header("x-pool-key-id")!
            let view = gateway.gateway.pool.view(id: servedBy)!
            #expect(view.stats.failures == 1)
            #expect(view.health.consecutiveFailures == 1)
            _ = id
        }
    }

    @Test("a stream that dies before its first byte fails over to another key")
    func cutBeforeFirstByte() async throws {
        var broken = MockUpstream.Behavior()
        broken.cutAfter = 0
        try await withProxy { gateway, mock in
            let ids = try await gateway.addKeys(["dead-stream-key-01", "live-stream-key-02"])
            mock.set(broken, forKey: "dead-stream-key-01")
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: streamBody)
            #expect(reply.status == 200)
            #expect(reply.header("x-pool-key-id") == ids[1])
            #expect(reply.header("x-pool-attempts") == "2")
            #expect(reply.body.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test("when the client disconnects, the upstream stream is cancelled promptly")
    func disconnectCancelsUpstream() async throws {
        var behavior = MockUpstream.Behavior()
        behavior.chunks = 100
        behavior.chunkGap = .milliseconds(100)
        try await withProxy { gateway, mock in
            let id = try await gateway.addKeys(["long-stream-key-001"])[0]
            mock.setDefault(behavior)
            let token = try await gateway.createToken()
            try await gateway.leaveStream("/v1/chat/completions", token: token, body: streamBody, afterChunks: 2)
            // Counted from the disconnect, not from the stream's start: a loaded machine (the whole suite runs in
            // parallel) can take seconds to get here, and that is not the gateway's delay.
            let sentAtDisconnect = mock.chunksSent
            let deadline = ContinuousClock.now + .seconds(5)
            while mock.streamsAbandoned == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(mock.streamsAbandoned == 1)
            // 100 ms apart: the upstream stopped within ~2 s of the disconnect, far short of the whole stream.
            #expect(mock.chunksSent - sentAtDisconnect < 20)
            #expect(mock.chunksSent < 100)
            try await Task.sleep(for: .milliseconds(200))
            let view = gateway.gateway.pool.view(id: id)!
            #expect(view.stats.failures == 0)
            #expect(view.health == KeyHealth())
        }
    }
}
