import Foundation
import PoolStore
import Testing

/// The singleton lock on PostgreSQL: one holder at a time; the lock goes with the holder's session.
@Suite("PostgreSQL leader lock", .enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.skipNote))
struct PostgresLeaderLockTests {
    @Test("one instance holds the lock; when its connection closes another takes it over")
    func handover() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let storeA = try await PostgresStore(
                settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
            let storeB = try await PostgresStore(
                settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
            let a = storeA.makeLeaderLock()
            let b = storeB.makeLeaderLock()
            #expect(await a.acquire())
            #expect(!(await b.acquire()))
            #expect(await a.acquire(), "the holder keeps it while its session lives")
            #expect(!(await b.acquire()))

            // The holder's session ends as when its process dies: the server releases the lock with it.
            // pg_locks is the whole cluster's: only this database's leader lock (its key's two halves) counts.
            let held = try await PostgresTestServer.rows(
                settings,
                """
                SELECT pid::text FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND classid::bigint = \(0x6F6C_706F)
                  AND objid::bigint = \(0x6F6C_6C64)
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """)
            #expect(held.count == 1)
            let pid = try #require(held.first?.first ?? nil)
            try await PostgresTestServer.admin(settings, "SELECT pg_terminate_backend(\(pid))::text")
            var takenOver = false
            let deadline = Date().addingTimeInterval(20)
            while !takenOver, Date() < deadline {
                takenOver = await b.acquire()
                if !takenOver { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(takenOver)
            #expect(!(await a.acquire()), "the old holder learns it lost the lock and cannot take it back")

            // A holder that gives up (a graceful shutdown) hands over at once.
            await b.release()
            #expect(await a.acquire())
            await a.release()
            try await storeA.close()
            try await storeB.close()
        }
    }
}
