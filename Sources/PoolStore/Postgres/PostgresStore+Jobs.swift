import Foundation
import PostgresNIO

/// Jobs, heartbeats and leadership in the shared store (migration `v3-jobs`): every instance reads every job.
extension PostgresStore {
    /// The columns of a job row, in `JobRow`'s order.
    static let jobColumns = """
        id, kind, instance, state, total, done, valid, invalid, created_at, updated_at, finished_at, elapsed, error
        """

    /// A job row as postgres-nio decodes it.
    typealias JobRow = (
        String, String, String, String, Int64, Int64, Int64, Int64, Double, Double, Double?, Double, String?
    )

    public func saveJob(_ job: StoredJob) async throws {
        try checkOpen()
        try await connection { connection in
            try await connection.query(
                """
                INSERT INTO jobs (\(unescaped: Self.jobColumns), result)
                VALUES (\(job.id), \(job.kind), \(job.instance), \(job.state.rawValue), \(Int64(job.total)),
                        \(Int64(job.done)), \(Int64(job.valid)), \(Int64(job.invalid)),
                        \(job.createdAt.timeIntervalSince1970), \(job.updatedAt.timeIntervalSince1970),
                        \(job.finishedAt?.timeIntervalSince1970), \(job.elapsedSeconds), \(job.error),
                        \(job.resultJSON))
                ON CONFLICT (id) DO UPDATE SET
                    instance = excluded.instance, state = excluded.state, total = excluded.total,
                    done = excluded.done, valid = excluded.valid, invalid = excluded.invalid,
                    updated_at = excluded.updated_at, finished_at = excluded.finished_at,
                    elapsed = excluded.elapsed, error = excluded.error, result = excluded.result
                """, logger: self.logger)
        }
    }

    public func job(id: String) async throws -> StoredJob? {
        try checkOpen()
        return try await connection { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.jobColumns), result FROM jobs WHERE id = \(id)", logger: self.logger)
            var found: StoredJob?
            for try await c in rows.decode(
                (
                    String, String, String, String, Int64, Int64, Int64, Int64, Double, Double, Double?, Double,
                    String?, String?
                ).self)
            {
                let columns: JobRow = (c.0, c.1, c.2, c.3, c.4, c.5, c.6, c.7, c.8, c.9, c.10, c.11, c.12)
                found = Self.storedJob(columns, result: c.13)
            }
            return found
        }
    }

    public func recentJobs(limit: Int) async throws -> [StoredJob] {
        try checkOpen()
        return try await connection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.jobColumns) FROM jobs ORDER BY created_at DESC, id DESC
                LIMIT \(Int64(max(0, limit)))
                """, logger: self.logger)
            var jobs: [StoredJob] = []
            for try await columns in rows.decode(JobRow.self) { jobs.append(Self.storedJob(columns, result: nil)) }
            return jobs
        }
    }

    public func recordHeartbeat(instance: String, name: String?, at time: Date) async throws {
        try checkOpen()
        try await connection { connection in
            try await connection.query(
                """
                INSERT INTO instance_heartbeats (instance, name, beat_at)
                VALUES (\(instance), \(name), \(time.timeIntervalSince1970))
                ON CONFLICT (instance) DO UPDATE SET name = excluded.name, beat_at = excluded.beat_at
                """, logger: self.logger)
        }
    }

    @discardableResult
    public func failAbandonedJobs(_ rule: AbandonedJobsRule, reason: String, at time: Date) async throws -> Int {
        try checkOpen()
        let now = time.timeIntervalSince1970
        return try await connection { connection in
            let rows = try await connection.query(
                """
                UPDATE jobs SET state = 'failed', error = \(reason), finished_at = \(now), updated_at = \(now)
                WHERE state = 'running' AND instance <> \(rule.survivor) AND (
                    coalesce((SELECT h.beat_at FROM instance_heartbeats h WHERE h.instance = jobs.instance),
                             updated_at) < \(rule.heartbeatBefore.timeIntervalSince1970)
                    OR EXISTS (SELECT 1 FROM instance_heartbeats h
                               WHERE h.instance = jobs.instance AND h.name = \(rule.previousName)::text))
                RETURNING id
                """, logger: self.logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }

    @discardableResult
    public func pruneJobs(finishedBefore cutoff: Date) async throws -> Int {
        try checkOpen()
        let seconds = cutoff.timeIntervalSince1970
        return try await connection { connection in
            let rows = try await connection.query(
                "DELETE FROM jobs WHERE state <> 'running' AND finished_at < \(seconds) RETURNING id",
                logger: self.logger)
            var count = 0
            for try await _ in rows { count += 1 }
            try await connection.query(
                "DELETE FROM instance_heartbeats WHERE beat_at < \(seconds)", logger: self.logger)
            return count
        }
    }

    /// A session advisory lock on a connection of its own (see `PostgresLeaderLock`).
    public func makeLeaderLock() -> any LeaderLock {
        PostgresLeaderLock(settings: settings, logger: logger)
    }

    static func storedJob(_ row: JobRow, result: String?) -> StoredJob {
        StoredJob(
            id: row.0, kind: row.1, instance: row.2, state: StoredJob.State(rawValue: row.3) ?? .failed,
            total: Int(row.4), done: Int(row.5), valid: Int(row.6), invalid: Int(row.7),
            createdAt: Date(timeIntervalSince1970: row.8), updatedAt: Date(timeIntervalSince1970: row.9),
            finishedAt: row.10.map(Date.init(timeIntervalSince1970:)), elapsedSeconds: row.11, error: row.12,
            resultJSON: result)
    }
}
