import Foundation
import Synchronization

/// Jobs and heartbeats of an `InMemoryStore`: the rows the SQL stores keep, under one lock.
final class InMemoryJobs: Sendable {
    struct Heartbeat {
        var name: String?
        var beatAt: Date
    }

    let table = Mutex<(jobs: [String: StoredJob], heartbeats: [String: Heartbeat])>(([:], [:]))
}

extension InMemoryStore {
    public func saveJob(_ job: StoredJob) async throws {
        jobTable.table.withLock { $0.jobs[job.id] = job }
    }

    public func job(id: String) async throws -> StoredJob? {
        jobTable.table.withLock { $0.jobs[id] }
    }

    public func recentJobs(limit: Int) async throws -> [StoredJob] {
        let jobs = jobTable.table.withLock { Array($0.jobs.values) }
        return jobs.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(max(0, limit)).map { job in
            var listed = job
            listed.resultJSON = nil
            return listed
        }
    }

    public func recordHeartbeat(instance: String, name: String?, at time: Date) async throws {
        jobTable.table.withLock { $0.heartbeats[instance] = InMemoryJobs.Heartbeat(name: name, beatAt: time) }
    }

    @discardableResult
    public func failAbandonedJobs(_ rule: AbandonedJobsRule, reason: String, at time: Date) async throws -> Int {
        jobTable.table.withLock { table in
            var count = 0
            for (id, job) in table.jobs where job.state == .running && job.instance != rule.survivor {
                let heartbeat = table.heartbeats[job.instance]
                let stale = (heartbeat?.beatAt ?? job.updatedAt) < rule.heartbeatBefore
                let restarted = rule.previousName != nil && heartbeat?.name == rule.previousName
                guard stale || restarted else { continue }
                var failed = job
                failed.state = .failed
                failed.error = reason
                failed.finishedAt = time
                failed.updatedAt = time
                table.jobs[id] = failed
                count += 1
            }
            return count
        }
    }

    @discardableResult
    public func pruneJobs(finishedBefore cutoff: Date) async throws -> Int {
        jobTable.table.withLock { table in
            let old = table.jobs.values.filter { job in
                guard job.state != .running, let finished = job.finishedAt else { return false }
                return finished < cutoff
            }
            for job in old { table.jobs[job.id] = nil }
            table.heartbeats = table.heartbeats.filter { $0.value.beatAt >= cutoff }
            return old.count
        }
    }

    /// One process: always the leader.
    public func makeLeaderLock() -> any LeaderLock { SoleProcessLeaderLock() }
}
