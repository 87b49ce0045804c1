import Foundation
import GRDB
import GRDBSQLite
import PoolCore

/// The request log in the embedded store (migration `v10-request-log`).
extension SQLiteStore {
    /// Rows per INSERT statement: one step of a statement opens and closes a cursor on the table and each of its
    /// three indexes and runs the program's set-up, so sixteen rows a step pay that once (callgrind: 31.6 k → 21.9 k
    /// instructions a record).
    static let requestLogRowsPerInsert = 16

    public func appendRequestLog(_ records: [RequestRecord]) async throws {
        try checkOpen()
        guard !records.isEmpty else { return }
        let row = "(" + Array(repeating: "?", count: 21).joined(separator: ", ") + ")"
        let prefix = "INSERT INTO request_log (\(RequestLogColumns.written)) VALUES "
        let rowsPerInsert = Self.requestLogRowsPerInsert
        try await pool.write { db in
            // Bound through SQLite's C API: a record a second per request at full load, where GRDB's boxed
            // arguments cost as much as SQLite's own insert (callgrind: ~17 k of ~57 k instructions a record).
            let many = RawWrite(
                try db.cachedStatement(
                    sql: prefix + Array(repeating: row, count: rowsPerInsert).joined(separator: ", ")
                ).sqliteStatement)
            defer { many.finish() }
            let one = RawWrite(try db.cachedStatement(sql: prefix + row).sqliteStatement)
            defer { one.finish() }
            // The derived texts are written here, then copied where they are bound: one buffer for every record.
            var scratch: [UInt8] = []
            scratch.reserveCapacity(4_096)
            var rest = records[...]
            while rest.count >= rowsPerInsert {
                try many.row(db) { bind in
                    for record in rest.prefix(rowsPerInsert) { Self.bindRequestLogRow(record, &bind, &scratch) }
                }
                rest = rest.dropFirst(rowsPerInsert)
            }
            for record in rest {
                try one.row(db) { bind in Self.bindRequestLogRow(record, &bind, &scratch) }
            }
        }
    }

    private static func bindRequestLogRow(
        _ record: RequestRecord, _ bind: inout RawWrite.Binder, _ scratch: inout [UInt8]
    ) {
        bind.text(record.id)
        bind.integer(RequestTime.micros(record.startedAt))
        bind.text(record.tokenID)
        bind.text(record.tokenName)
        bind.text(record.provider.rawValue)
        bind.text(record.route)
        bind.text(record.model)
        bind.bool(record.stream)
        bind.integer(Int64(record.status))
        bind.real(record.seconds)
        bind.real(record.firstByteSeconds)
        bind.real(record.upstreamSeconds)
        scratch.removeAll(keepingCapacity: true)
        RequestLogColumns.appendAttemptsJSON(record, to: &scratch)
        bind.text(bytes: scratch)
        bind.integer(record.promptTokens.map(Int64.init))
        bind.integer(record.completionTokens.map(Int64.init))
        bind.bool(record.cached)
        bind.text(record.error)
        bind.text(record.body)
        scratch.removeAll(keepingCapacity: true)
        RequestLogColumns.appendKeyIDs(record, to: &scratch)
        bind.text(bytes: scratch)
        bind.text(record.answeringKeyID)
        bind.bool(record.isFailure)
    }

    public func requestLog(
        _ filter: RequestFilter, limit: Int, before cursor: RequestCursor?
    ) async throws -> [RequestRecord] {
        try checkOpen()
        var query = RequestLogQuery(filter, before: cursor, dialect: .sqlite)
        let sql = query.pageSQL(limit: limit)
        let arguments = Self.arguments(query.values)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                RequestLogColumns.record(
                    (
                        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10],
                        row[11], row[12], row[13], row[14], row[15], row[16], row[17]
                    ))
            }
        }
    }

    public func requestUsage(_ usage: UsageQuery) async throws -> [UsageRow] {
        try checkOpen()
        let query = RequestLogQuery(usage: usage, dialect: .sqlite)
        let sql = query.usageSQL(usage)
        let arguments = Self.arguments(query.values)
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                UsageRow(
                    bucket: Date(timeIntervalSince1970: Double(row[0] as Int64)), id: row[1], name: row[2],
                    requests: row[3],
                    failed: row[4], promptTokens: row[5], completionTokens: row[6])
            }
        }
        var aggregator = UsageAggregator(usage)
        for row in rows { aggregator.add(row) }
        return aggregator.result
    }

    @discardableResult
    public func pruneRequestLog(before cutoff: Date) async throws -> Int {
        try checkOpen()
        return try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM request_log WHERE started_us < ?", arguments: [RequestTime.micros(cutoff)])
            return db.changesCount
        }
    }

    private static func arguments(_ values: [RequestLogQuery.Value]) -> StatementArguments {
        StatementArguments(
            values.map { value -> any DatabaseValueConvertible in
                switch value {
                case .text(let text): text
                case .real(let real): real
                case .integer(let integer): integer
                }
            })
    }
}
