import Foundation
import PoolStore
import Testing

/// Jobs in the store, on every store: written by one instance, read by another; jobs of a stopped instance
/// marked failed; finished jobs pruned.
@Suite("Jobs in the store")
struct JobStoreTests {
    private static let reason = "the instance running this job stopped"

    private func job(
        _ id: String, instance: String, state: StoredJob.State = .running, createdAt: Date = millisecondNow(),
        updatedAt: Date? = nil, finishedAt: Date? = nil
    ) -> StoredJob {
        StoredJob(
            id: id, kind: "health_check", instance: instance, state: state, total: 10, createdAt: createdAt,
            updatedAt: updatedAt, finishedAt: finishedAt)
    }

    @Test(
        "a job written by one instance is read by another, with its progress and then its result",
        arguments: JobStoreKind.tested)
    func writtenHereReadThere(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let a = try await open()
            let b = try await open()
            let created = millisecondNow()
            var running = job("job_shared", instance: "inst_a", createdAt: created)
            try await a.saveJob(running)
            #expect(try await b.job(id: "job_shared") == running)
            #expect(try await b.job(id: "job_unknown") == nil)

            running.done = 4
            running.valid = 3
            running.invalid = 1
            running.elapsedSeconds = 1.5
            running.updatedAt = created.addingTimeInterval(1)
            try await a.saveJob(running)
            #expect(try await b.job(id: "job_shared") == running)

            var finished = running
            finished.state = .done
            finished.done = 10
            finished.finishedAt = created.addingTimeInterval(2)
            finished.resultJSON = #"{"checked":10,"changed":[{"api_key":"sk-a…0001"}]}"#
            try await a.saveJob(finished)
            #expect(try await b.job(id: "job_shared") == finished)

            let later = job("job_later", instance: "inst_b", createdAt: created.addingTimeInterval(5))
            try await b.saveJob(later)
            let listed = try await a.recentJobs(limit: 10)
            #expect(listed.map(\.id) == ["job_later", "job_shared"])
            #expect(listed.allSatisfy { $0.resultJSON == nil })
            #expect(try await a.recentJobs(limit: 1).map(\.id) == ["job_later"])
        }
    }

    @Test(
        "running jobs of an instance silent for 30 s are failed with a reason; live ones are left",
        arguments: JobStoreKind.tested)
    func abandonedJobsFail(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let store = try await open()
            let now = millisecondNow()
            let longAgo = now.addingTimeInterval(-40)
            try await store.recordHeartbeat(instance: "inst_dead", name: nil, at: longAgo)
            try await store.recordHeartbeat(instance: "inst_alive", name: nil, at: now)
            try await store.saveJob(job("job_dead", instance: "inst_dead", createdAt: longAgo))
            try await store.saveJob(job("job_alive", instance: "inst_alive", createdAt: longAgo))
            // Never beat (it died at once): judged by when its row was last written.
            try await store.saveJob(job("job_unbeaten_old", instance: "inst_gone", createdAt: longAgo))
            try await store.saveJob(job("job_unbeaten_new", instance: "inst_new", createdAt: now))
            try await store.saveJob(job("job_done", instance: "inst_dead", state: .done, finishedAt: longAgo))
            // The asking instance's own job, even with an old heartbeat, is running here.
            try await store.recordHeartbeat(instance: "inst_me", name: nil, at: longAgo)
            try await store.saveJob(job("job_mine", instance: "inst_me", createdAt: longAgo))

            let rule = AbandonedJobsRule(survivor: "inst_me", heartbeatBefore: now.addingTimeInterval(-30))
            #expect(try await store.failAbandonedJobs(rule, reason: Self.reason, at: now) == 2)
            for id in ["job_dead", "job_unbeaten_old"] {
                let failed = try #require(try await store.job(id: id))
                #expect(failed.state == .failed)
                #expect(failed.error == Self.reason)
                #expect(failed.finishedAt == now)
            }
            for id in ["job_alive", "job_unbeaten_new", "job_mine"] {
                #expect(try await store.job(id: id)?.state == .running)
            }
            #expect(try await store.job(id: "job_done")?.state == .done)
            #expect(try await store.job(id: "job_done")?.error == nil)
            // Nothing left to fail: a second sweep changes nothing.
            #expect(try await store.failAbandonedJobs(rule, reason: Self.reason, at: now) == 0)
        }
    }

    @Test("at start-up, the running jobs of this instance's previous run fail at once", arguments: JobStoreKind.tested)
    func previousRunFailsAtStart(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let store = try await open()
            let now = millisecondNow()
            try await store.recordHeartbeat(instance: "inst_old_run", name: "host-a:8080", at: now)
            try await store.recordHeartbeat(instance: "inst_other", name: "host-b:8080", at: now)
            try await store.saveJob(job("job_old_run", instance: "inst_old_run", createdAt: now))
            try await store.saveJob(job("job_other", instance: "inst_other", createdAt: now))
            let stale = now.addingTimeInterval(-30)

            let periodic = AbandonedJobsRule(survivor: "inst_new_run", heartbeatBefore: stale)
            #expect(try await store.failAbandonedJobs(periodic, reason: Self.reason, at: now) == 0)
            let startUp = AbandonedJobsRule(
                survivor: "inst_new_run", heartbeatBefore: stale, previousName: "host-a:8080")
            #expect(try await store.failAbandonedJobs(startUp, reason: Self.reason, at: now) == 1)
            #expect(try await store.job(id: "job_old_run")?.state == .failed)
            #expect(try await store.job(id: "job_other")?.state == .running)
        }
    }

    @Test("finished jobs are pruned after the retention; running and recent ones stay", arguments: JobStoreKind.tested)
    func pruning(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let store = try await open()
            let now = millisecondNow()
            let twoDaysAgo = now.addingTimeInterval(-2 * 86_400)
            try await store.saveJob(
                job("job_old_done", instance: "i", state: .done, createdAt: twoDaysAgo, finishedAt: twoDaysAgo))
            try await store.saveJob(
                job("job_old_failed", instance: "i", state: .failed, createdAt: twoDaysAgo, finishedAt: twoDaysAgo))
            try await store.saveJob(job("job_old_running", instance: "i", createdAt: twoDaysAgo))
            try await store.saveJob(
                job(
                    "job_recent", instance: "i", state: .done, createdAt: twoDaysAgo,
                    finishedAt: now.addingTimeInterval(-3600)))
            #expect(try await store.pruneJobs(finishedBefore: now.addingTimeInterval(-86_400)) == 2)
            #expect(Set(try await store.recentJobs(limit: 10).map(\.id)) == ["job_old_running", "job_recent"])
        }
    }

    @Test("a store only one process uses always leads", arguments: [JobStoreKind.sqlite, .memory])
    func soleProcessLeads(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let store = try await open()
            #expect(await store.makeLeaderLock().acquire())
            #expect(await store.makeLeaderLock().acquire())
        }
    }
}
