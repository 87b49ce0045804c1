import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Several real gateway processes counting traffic into one PostgreSQL database: the stored counters are exactly
/// the requests made, every instance shows the cluster's totals, and a killed instance loses at most its last
/// second of counts.
@Suite(
    "Several gateway processes on one PostgreSQL database: counters",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the PostgreSQL cluster tests are skipped (scripts/test starts a server)"))
struct ClusterCountersTests {
    /// `count` chat requests through `port`, `concurrency` at a time; the number answered 200.
    private func traffic(port: Int, token: String, count: Int, concurrency: Int = 6) async -> Int {
        await withTaskGroup(of: Int.self) { group in
            let next = SharedBox(0)
            for _ in 0..<concurrency {
                group.addTask {
                    var ok = 0
                    while next.withLock({ taken in
                        taken += 1
                        return taken
                    }) <= count {
                        if await ClusterHarness.chat(port: port, token: token) == 200 { ok += 1 }
                    }
                    return ok
                }
            }
            return await group.reduce(0, +)
        }
    }

    @Test("3 instances × concurrent traffic: per-key, per-token and global counters equal the requests made")
    func threeInstancesCountExactly() async throws {
        try await ClusterHarness.run { cluster in
            let a = try cluster.start()
            defer { a.stop() }
            let secrets = (0..<12).map { String(format: "sk-cluster-count-key-%04d", $0) }
            let token = try await cluster.seed(through: a, secrets: secrets)
            let b = try cluster.start()
            defer { b.stop() }
            let c = try cluster.start()
            defer { c.stop() }
            let instances = [a, b, c]

            let perInstance = 120
            let answered = await withTaskGroup(of: Int.self) { group in
                for instance in instances {
                    group.addTask { await traffic(port: instance.port, token: token, count: perInstance) }
                }
                return await group.reduce(0, +)
            }
            // Every request made counts once, whatever its answer (on a loaded machine a few may time out).
            let total = 3 * perInstance
            #expect(answered > total / 2)

            // Every instance shows the cluster's totals once the others' flushes are read back (a second or two).
            for instance in instances {
                let agreed = try await ClusterHarness.eventually(seconds: 15) {
                    let stats = try await ClusterHarness.json(instance.port, "/admin/stats")
                    return stats["total_requests"] as? Int == total
                }
                let shown = try await ClusterHarness.json(instance.port, "/admin/stats")["total_requests"] ?? "none"
                #expect(agreed, "instance on \(instance.port) shows \(shown)")
            }
            for instance in instances {
                let global = try await ClusterHarness.json(instance.port, "/admin/public-stats")["global"]
                #expect((global as? [String: Any])?["totalRequests"] as? Int == total)
            }
            // Per key too: B's own counts plus what A and C flushed, read back by B's flusher.
            let keyTotals = try await ClusterHarness.json(b.port, "/admin/keys/stats")
            let shownPerKey = (keyTotals["keys"] as? [[String: Any]] ?? []).compactMap {
                ($0["stats"] as? [String: Any])?["total_requests"] as? Int
            }
            #expect(shownPerKey.reduce(0, +) == total)

            for instance in instances { ClusterHarness.stopGracefully(instance) }
            // Per key: what the upstream saw with each key; per token and in total: every request.
            var upstreamPerKey: [String: Int] = [:]
            for key in cluster.mock.keysUsed { upstreamPerKey[key, default: 0] += 1 }
            let storedPerKey = try await cluster.integers(
                "SELECT coalesce(s.requests, 0) FROM keys k LEFT JOIN key_stats s ON s.key_id = k.id ORDER BY k.seq")
            #expect(storedPerKey == secrets.map { upstreamPerKey[$0, default: 0] })
            #expect(storedPerKey.reduce(0, +) == total)
            #expect(try await cluster.integers("SELECT request_count FROM client_tokens") == [total])
            #expect(
                try await cluster.integers("SELECT requests FROM global_stats WHERE provider = 'ollama'") == [total])
            #expect(
                try await cluster.integers("SELECT sum(requests)::int8 FROM model_hours WHERE provider = 'ollama'") == [
                    total
                ])
        }
    }

    @Test("kill -9 of one instance under load: no key or token lost, its counters short by at most ~1 s of traffic")
    func killedInstanceLosesAtMostASecond() async throws {
        try await ClusterHarness.run { cluster in
            let a = try cluster.start()
            defer { a.stop() }
            let secrets = (0..<6).map { String(format: "sk-cluster-kill-key-%04d", $0) }
            let token = try await cluster.seed(through: a, secrets: secrets)
            let b = try cluster.start()
            defer { b.stop() }

            // Steady traffic through both; each answered request's time is kept, per instance.
            let answeredAt = SharedBox<[Int: [Date]]>([:])
            // Requests without an answer in time: the gateway may have counted them or not.
            let unanswered = SharedBox(0)
            let stop = SharedBox(false)
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for instance in [a, b] {
                        for _ in 0..<3 {
                            group.addTask {
                                while !stop.current {
                                    let status = await ClusterHarness.chat(
                                        port: instance.port, token: token, timeout: .seconds(2))
                                    if status == 200 {
                                        let now = Date()
                                        answeredAt.withLock { $0[instance.port, default: []].append(now) }
                                    } else {
                                        unanswered.withLock { $0 += 1 }
                                    }
                                    // A steady load, not the most the machine can take (other suites run too).
                                    try? await Task.sleep(for: .milliseconds(10))
                                }
                            }
                        }
                    }
                }
            }
            // Under way on both (a loaded machine may take a while), and more than one flush of A's behind it.
            let underWay = try await ClusterHarness.eventually(seconds: 60) {
                answeredAt.current[a.port, default: []].count >= 20
                    && answeredAt.current[b.port, default: []].count >= 20
            }
            #expect(underWay)
            try await Task.sleep(for: .milliseconds(1_500))
            a.signal(SIGKILL)
            let killedAt = Date()
            a.process.waitUntilExit()
            try await Task.sleep(for: .milliseconds(1_500))
            stop.withLock { $0 = true }
            let stopping = Date()
            await load.value
            let drained = Date()
            ClusterHarness.stopGracefully(b)
            print(
                "cluster: load drained in \(drained.timeIntervalSince(stopping)) s, "
                    + "B stopped in \(Date().timeIntervalSince(drained)) s")

            let answered = answeredAt.current
            let throughA = answered[a.port] ?? []
            let throughB = answered[b.port] ?? []
            #expect(!throughA.isEmpty && !throughB.isEmpty)
            let stored = try #require(
                try await cluster.integers("SELECT requests FROM global_stats WHERE provider = 'ollama'").first)
            let lostFromA = throughA.count + throughB.count - stored
            // A flushes every second: what it answered in its last second or so may be gone, nothing before.
            let lastSecondOfA = throughA.filter { $0 > killedAt.addingTimeInterval(-1.5) }.count
            let ambiguous = unanswered.current
            #expect(
                lostFromA >= -ambiguous,
                "counted more than was sent: \(stored) of \(throughA.count + throughB.count) + \(ambiguous)")
            #expect(
                lostFromA <= lastSecondOfA + ambiguous,
                "lost \(lostFromA); A answered \(lastSecondOfA) in its last 1.5 s")
            #expect(try await cluster.integers("SELECT count(*) FROM keys") == [secrets.count])
            #expect(try await cluster.integers("SELECT count(*) FROM client_tokens") == [1])
            let perKey = try await cluster.integers("SELECT sum(requests)::int8 FROM key_stats")
            #expect(perKey == [stored])
            print(
                "cluster: kill -9 lost \(lostFromA) of \(throughA.count) answered by A (\(lastSecondOfA) in its last 1.5 s)"
            )
        }
    }
}
