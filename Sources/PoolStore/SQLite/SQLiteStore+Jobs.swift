import Foundation
import GRDB

/// Jobs, heartbeats and leadership in the embedded store (migration `v7-jobs`).
extension SQLiteStore {
    static let jobColumns = """
        id, kind, instance, state, total, done, valid, invalid, created_at, updated_at, finished_at, elapsed, error
        """

    public func saveJob(_ job: StoredJob) async throws {
        try checkOpen()
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO jobs (\(Self.jobColumns), result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET
                        instance = excluded.instance, state = excluded.state, total = excluded.total,
                        done = excluded.done, valid = excluded.valid, invalid = excluded.invalid,
                        updated_at = excluded.updated_at, finished_at = excluded.finished_at,
                        elapsed = excluded.elapsed, error = excluded.error, result = excluded.result
                    """,
                arguments: [
                    job.id, job.kind, job.instance, job.state.rawValue, job.total, job.done, job.valid, job.invalid,
                    job.createdAt.timeIntervalSince1970, job.updatedAt.timeIntervalSince1970,
                    StoreColumns.seconds(job.finishedAt), job.elapsedSeconds, job.error, job.resultJSON,
                ])
        }
    }

    public func job(id: String) async throws -> StoredJob? {
        try checkOpen()
        return try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.jobColumns), result FROM jobs WHERE id = ?", arguments: [id])
                .map { Self.storedJob($0, result: $0[13]) }
        }
    }

    public func recentJobs(limit: Int) async throws -> [StoredJob] {
        try checkOpen()
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.jobColumns) FROM jobs ORDER BY created_at DESC, id DESC LIMIT ?",
                arguments: [max(0, limit)]
            ).map { Self.storedJob($0, result: nil) }
        }
    }

    public func recordHeartbeat(instance: String, name: String?, at time: Date) async throws {
        try checkOpen()
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO instance_heartbeats (instance, name, beat_at) VALUES (?, ?, ?)
                    ON CONFLICT(instance) DO UPDATE SET name = excluded.name, beat_at = excluded.beat_at
                    """, arguments: [instance, name, time.timeIntervalSince1970])
        }
    }

    @discardableResult
    public func failAbandonedJobs(_ rule: AbandonedJobsRule, reason: String, at time: Date) async throws -> Int {
        try checkOpen()
        let now = time.timeIntervalSince1970
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, updated_at = ?
                    WHERE state = 'running' AND instance <> ? AND (
                        coalesce((SELECT h.beat_at FROM instance_heartbeats h WHERE h.instance = jobs.instance),
                                 updated_at) < ?
                        OR (? IS NOT NULL AND EXISTS (SELECT 1 FROM instance_heartbeats h
                                                      WHERE h.instance = jobs.instance AND h.name = ?)))
                    """,
                arguments: [
                    reason, now, now, rule.survivor, rule.heartbeatBefore.timeIntervalSince1970, rule.previousName,
                    rule.previousName,
                ])
            return db.changesCount
        }
    }

    @discardableResult
    public func pruneJobs(finishedBefore cutoff: Date) async throws -> Int {
        try checkOpen()
        let seconds = cutoff.timeIntervalSince1970
        return try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM jobs WHERE state <> 'running' AND finished_at < ?", arguments: [seconds])
            let deleted = db.changesCount
            try db.execute(sql: "DELETE FROM instance_heartbeats WHERE beat_at < ?", arguments: [seconds])
            return deleted
        }
    }

    /// One process uses an SQLite file: it always leads.
    public func makeLeaderLock() -> any LeaderLock { SoleProcessLeaderLock() }

    /// A job from a row of `jobColumns` (and the result, when read).
    static func storedJob(_ row: Row, result: String?) -> StoredJob {
        StoredJob(
            id: row[0], kind: row[1], instance: row[2], state: StoredJob.State(rawValue: row[3]) ?? .failed,
            total: row[4], done: row[5], valid: row[6], invalid: row[7],
            createdAt: Date(timeIntervalSince1970: row[8]), updatedAt: Date(timeIntervalSince1970: row[9]),
            finishedAt: StoreColumns.date(row[10]), elapsedSeconds: row[11], error: row[12], resultJSON: result)
    }
}
