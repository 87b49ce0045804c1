import Foundation
import PoolCore
import PostgresNIO

/// The request log in the shared store (migration `v6-request-log`): every instance appends its own requests and
/// reads everyone's.
extension PostgresStore {
    public func appendRequestLog(_ records: [RequestRecord]) async throws {
        try checkOpen()
        guard !records.isEmpty else { return }
        try await transaction { connection in
            for record in records {
                let failed: Int64 = record.isFailure ? 1 : 0
                try await connection.query(
                    """
                    INSERT INTO request_log (\(unescaped: RequestLogColumns.written))
                    VALUES (\(record.id), \(record.startedAt.timeIntervalSince1970), \(record.tokenID),
                            \(record.tokenName), \(record.provider.rawValue), \(record.route), \(record.model),
                            \(record.stream), \(Int64(record.status)), \(record.seconds), \(record.firstByteSeconds),
                            \(record.upstreamSeconds), \(RequestLogColumns.attemptsJSON(record)),
                            \(record.promptTokens.map(Int64.init)), \(record.completionTokens.map(Int64.init)),
                            \(record.cached), \(record.error), \(record.body), \(RequestLogColumns.keyIDs(record)),
                            \(record.answeringKeyID), \(failed))
                    """, logger: self.logger)
            }
        }
    }

    public func requestLog(
        _ filter: RequestFilter, limit: Int, before cursor: RequestCursor?
    ) async throws -> [RequestRecord] {
        try checkOpen()
        var query = RequestLogQuery(filter, before: cursor, dialect: .postgres)
        let statement = Self.statement(query.pageSQL(limit: limit), query.values)
        return try await connection { connection in
            let rows = try await connection.query(statement, logger: self.logger)
            var records: [RequestRecord] = []
            for try await row in rows.decode(RequestLogColumns.Row.self) {
                records.append(RequestLogColumns.record(row))
            }
            return records
        }
    }

    public func requestUsage(_ usage: UsageQuery) async throws -> [UsageRow] {
        try checkOpen()
        let query = RequestLogQuery(usage: usage, dialect: .postgres)
        let statement = Self.statement(query.usageSQL(usage), query.values)
        let rows = try await connection { connection in
            let rows = try await connection.query(statement, logger: self.logger)
            var found: [UsageRow] = []
            for try await (bucket, id, name, requests, failed, prompt, completion) in rows.decode(
                (Double, String, String?, Int64, Int64, Int64, Int64).self)
            {
                found.append(
                    UsageRow(
                        bucket: Date(timeIntervalSince1970: bucket), id: id, name: name, requests: Int(requests),
                        failed: Int(failed), promptTokens: Int(prompt), completionTokens: Int(completion)))
            }
            return found
        }
        var aggregator = UsageAggregator(usage)
        for row in rows { aggregator.add(row) }
        return aggregator.result
    }

    @discardableResult
    public func pruneRequestLog(before cutoff: Date) async throws -> Int {
        try checkOpen()
        return try await connection { connection in
            let rows = try await connection.query(
                """
                WITH deleted AS (DELETE FROM request_log WHERE started_at < \(cutoff.timeIntervalSince1970) RETURNING 1)
                SELECT count(*) FROM deleted
                """, logger: self.logger)
            var count: Int64 = 0
            for try await deleted in rows.decode(Int64.self) { count = deleted }
            return Int(count)
        }
    }

    /// `sql` with its values bound to `$1`, `$2`, ….
    private static func statement(_ sql: String, _ values: [RequestLogQuery.Value]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): bindings.append(text)
            case .real(let real): bindings.append(real)
            case .integer(let integer): bindings.append(integer)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
