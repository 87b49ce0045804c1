import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The database goes away under traffic: the gateway keeps proxying from memory, says so once in its log and in
/// `/health`, and once the database is back it catches up within seconds with nothing counted lost.
@Suite(
    "A gateway whose PostgreSQL database goes away for 10 s",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the PostgreSQL cluster tests are skipped (scripts/test starts a server)"))
struct DatabaseOutageTests {
    private func feed(_ port: Int) async throws -> [String: Any] {
        try await ClusterHarness.json(port, "/health")["change_feed"] as? [String: Any] ?? [:]
    }

    @Test("proxying goes on while PostgreSQL is stopped; the feed and the counters catch up after it returns")
    func outageUnderTraffic() async throws {
        let postgres = try ThrowawayPostgres()
        defer { postgres.remove() }
        try await ClusterHarness.run(url: postgres.url) { cluster in
            let a = try cluster.start()
            defer { a.stop() }
            let secrets = (0..<4).map { String(format: "sk-cluster-outage-key-%04d", $0) }
            let token = try await cluster.seed(through: a, secrets: secrets)

            let answered = SharedBox((ok: 0, other: 0))
            let stop = SharedBox(false)
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            while !stop.current {
                                let status = await ClusterHarness.chat(
                                    port: a.port, token: token, timeout: .seconds(20))
                                answered.withLock { if status == 200 { $0.ok += 1 } else { $0.other += 1 } }
                                try? await Task.sleep(for: .milliseconds(20))
                            }
                        }
                    }
                }
            }
            try await Task.sleep(for: .seconds(1))
            try postgres.stop()
            let stoppedAt = Date()
            let noticed = try await ClusterHarness.eventually(seconds: 8) {
                let feed = try await feed(a.port)
                return feed["store_unreachable"] as? Bool == true && feed["listening"] as? Bool == false
            }
            let shownInOutage = try await feed(a.port)
            #expect(noticed, "/health during the outage: \(shownInOutage)")
            let duringOutage = answered.current.ok
            try await Task.sleep(until: .now + .seconds(10) - .seconds(Date().timeIntervalSince(stoppedAt)))
            #expect(answered.current.ok > duringOutage, "no request was answered while the database was away")

            try postgres.start()
            let back = Date()
            let caughtUp = try await ClusterHarness.eventually(seconds: 15) {
                let feed = try await feed(a.port)
                return feed["store_unreachable"] as? Bool == false && feed["listening"] as? Bool == true
                    && (feed["seconds_since_catch_up"] as? Double ?? 99) < 2
            }
            let catchUpSeconds = Date().timeIntervalSince(back)
            let shownAfter = try await feed(a.port)
            #expect(caughtUp && catchUpSeconds < 10, "caught up after \(catchUpSeconds) s: \(shownAfter)")

            stop.withLock { $0 = true }
            await load.value
            let made = answered.current
            #expect(made.other == 0, "\(made.other) requests failed")
            // What was counted during the outage reaches the store once it is back: nothing is lost.
            let stored = try await ClusterHarness.eventually(seconds: 15) {
                let requests = try await cluster.integers("SELECT requests FROM global_stats WHERE provider = 'ollama'")
                return requests == [made.ok + made.other]
            }
            let storedTotal = try await cluster.integers("SELECT requests FROM global_stats")
            #expect(stored, "stored \(storedTotal) of \(made.ok)")
            let attempts = cluster.mock.keysUsed.count
            #expect(try await cluster.integers("SELECT sum(requests)::int8 FROM key_stats") == [attempts])
            #expect(a.waitForLog("the store is unreachable", seconds: 1))
            #expect(a.waitForLog("the store is reachable again", seconds: 1))
            #expect(a.waitForLog("LISTEN connection is back", seconds: 1))
            print(
                "cluster: PostgreSQL stopped 10 s under traffic; \(made.ok) answered, feed caught up \(catchUpSeconds) s after its return"
            )
        }
    }
}
