import Foundation
import NIOHTTP1
import PoolStore
import Synchronization
import Testing

@testable import PoolServer

/// `/health/live` and `/health/ready` over real HTTP: what an orchestrator's probes see.
@Suite("Health probes for orchestrators")
struct HealthProbeTests {
    @Test("live answers 200 {\"status\":\"ok\"}; ready answers 200 while the store answers and nothing drains")
    func liveAndReady() async throws {
        let gateway = try await TestGateway.start()
        let live = try await gateway.request(.GET, "/health/live")
        #expect(live.status == 200)
        #expect(live.json as NSDictionary == ["status": "ok"])
        let ready = try await gateway.request(.GET, "/health/ready")
        #expect(ready.status == 200)
        #expect(ready.json as NSDictionary == ["status": "ready"])
        #expect(ready.header("content-type")?.hasPrefix("application/json") == true)
        let health = try await gateway.request(.GET, "/health")
        #expect(health.json["status"] as? String == "ok", "/health stays as it was")
        await gateway.stop()
    }

    @Test("ready turns 503 with the reason when the store stops answering; live stays 200")
    func storeUnreachable() async throws {
        let gateway = try await TestGateway.start()
        #expect(try await gateway.request(.GET, "/health/ready").status == 200)
        try await gateway.gateway.store.close()
        // The answer is reused for about a second: ask until it is renewed (generous).
        var reply = try await gateway.request(.GET, "/health/ready")
        let deadline = ContinuousClock.now + .seconds(30)
        while reply.status == 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            reply = try await gateway.request(.GET, "/health/ready")
        }
        #expect(reply.status == 503)
        #expect(reply.json["status"] as? String == "unready")
        #expect(reply.json["reasons"] as? [String] == ["store_unreachable"])
        #expect(try await gateway.request(.GET, "/health/live").status == 200)
        await gateway.stop()
    }

    @Test("ready turns 503 \"draining\" once a shutdown has begun, without asking the store")
    func draining() async throws {
        let gateway = try await TestGateway.start()
        #expect(gateway.gateway.shutdownState.beginDraining())
        #expect(!gateway.gateway.shutdownState.beginDraining(), "only the first call begins it")
        let reply = try await gateway.request(.GET, "/health/ready")
        #expect(reply.status == 503)
        #expect(reply.json as NSDictionary == ["status": "unready", "reasons": ["draining"]])
        await gateway.stop()
    }

    @Test("a storm of readiness probes asks the store once per answer's lifetime, and concurrent probes share a query")
    func probesShareOneQuery() async throws {
        let store = ControlledQuery(hang: false)
        let reachability = StoreReachability(maxAge: .seconds(3600), deadline: .seconds(30), query: store.run)
        let answers = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { await reachability.isReachable() } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers.count == 200 && answers.allSatisfy { $0 })
        #expect(store.calls == 1)
    }

    @Test("a store that does not answer within the deadline counts as unreachable, and is not asked again meanwhile")
    func hungStore() async throws {
        let store = ControlledQuery(hang: true)
        let reachability = StoreReachability(maxAge: .zero, deadline: .milliseconds(200), query: store.run)
        #expect(await reachability.isReachable() == false)
        #expect(await reachability.isReachable() == false)
        #expect(store.calls == 1, "the hung query is still out: no second one")
        store.release()
    }
}

/// A store query the test controls: counts its calls, and either answers at once (after a pause long enough for
/// concurrent probes to pile up) or hangs until released.
private final class ControlledQuery: Sendable {
    private let state = Mutex<(calls: Int, waiting: [CheckedContinuation<Void, Never>], released: Bool)>(
        (0, [], false))
    let hang: Bool

    init(hang: Bool) {
        self.hang = hang
    }

    var calls: Int { state.withLock { $0.calls } }

    @Sendable func run() async throws {
        state.withLock { $0.calls += 1 }
        guard hang else {
            try await Task.sleep(for: .milliseconds(200))
            return
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.released { return true }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func release() {
        let waiting = state.withLock { state in
            state.released = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
