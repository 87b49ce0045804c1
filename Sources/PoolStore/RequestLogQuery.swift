import Foundation
import PoolCore

/// A request-log filter as SQL both stores run: the `WHERE` conditions with their values, placeholders written by
/// the dialect (`?` in SQLite, `$n` in PostgreSQL), and the usage summary's grouping.
struct RequestLogQuery {
    /// A value bound to a placeholder.
    enum Value {
        case text(String)
        case real(Double)
        case integer(Int64)
    }

    /// The SQL dialect's differences that matter here.
    struct Dialect: Sendable {
        /// The placeholder for the `n`th value (1-based).
        var placeholder: @Sendable (Int) -> String
        /// Whether `haystack` contains `needle` (both SQL expressions).
        var contains: @Sendable (_ haystack: String, _ needle: String) -> String
        /// Rounds `expression` down to a whole number.
        var floor: @Sendable (String) -> String

        static let sqlite = Dialect(
            placeholder: { _ in "?" }, contains: { "instr(\($0), \($1)) > 0" },
            floor: { "CAST(\($0) AS INTEGER)" })
        static let postgres = Dialect(
            placeholder: { "$\($0)" }, contains: { "strpos(\($0), \($1)) > 0" }, floor: { "floor(\($0))" })
    }

    let dialect: Dialect
    private(set) var conditions: [String] = []
    private(set) var values: [Value] = []

    /// Placeholders of the values bound before the conditions' (those the statement names first).
    private(set) var leading: [String] = []

    init(
        _ filter: RequestFilter, before cursor: RequestCursor? = nil, dialect: Dialect, leadingValues: [Value] = []
    ) {
        self.dialect = dialect
        for value in leadingValues { leading.append(bind(value)) }
        if let tokenID = filter.tokenID { add("token_id = \(bind(.text(tokenID)))") }
        if let keyID = filter.keyID {
            add(dialect.contains("key_ids", bind(.text(RequestLogColumns.keyNeedle(keyID)))))
        }
        if let model = filter.model { add("model = \(bind(.text(model)))") }
        if let provider = filter.provider { add("provider = \(bind(.text(provider.rawValue)))") }
        if let status = filter.status {
            let range = status.range
            add("status >= \(bind(.integer(Int64(range.lowerBound))))")
            if range.upperBound != Int.max { add("status < \(bind(.integer(Int64(range.upperBound))))") }
        }
        if let since = filter.since { add("started_at >= \(bind(.real(since.timeIntervalSince1970)))") }
        if let until = filter.until { add("started_at < \(bind(.real(until.timeIntervalSince1970)))") }
        if let text = filter.text, !text.isEmpty {
            var fields: [String] = []
            for field in ["id", "model", "token_name", "error"] {
                fields.append(dialect.contains("lower(\(field))", bind(.text(text.lowercased()))))
            }
            add("(" + fields.joined(separator: " OR ") + ")")
        }
        if let cursor {
            // Each placeholder once: SQLite's `?` take values in order.
            let before = bind(.real(cursor.startedAt))
            let at = bind(.real(cursor.startedAt))
            let id = bind(.text(cursor.id))
            add("(started_at < \(before) OR (started_at = \(at) AND id < \(id)))")
        }
    }

    /// `WHERE …`, or nothing when every record matches.
    var whereClause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    /// A page: at most `limit` rows, newest first.
    mutating func pageSQL(limit: Int) -> String {
        let limit = bind(.integer(Int64(max(0, limit))))
        return """
            SELECT \(RequestLogColumns.read) FROM request_log \(whereClause)
            ORDER BY started_at DESC, id DESC LIMIT \(limit)
            """
    }

    /// The query of a usage summary: its filter, and the bucket's divisor and factor bound first.
    init(usage: UsageQuery, dialect: Dialect) {
        let seconds = Double(usage.period.seconds)
        self.init(usage.filter, dialect: dialect, leadingValues: [.real(seconds), .real(seconds)])
    }

    /// The usage summary (from ``init(usage:dialect:)``): bucket (seconds since 1970), group id, name, requests,
    /// failed, prompt and completion tokens per row.
    func usageSQL(_ usage: UsageQuery) -> String {
        let (id, name): (String, String) =
            switch usage.by {
            case .token: ("COALESCE(token_id, '\(UsageRow.none)')", "MAX(token_name)")
            case .key: ("COALESCE(answer_key_id, '\(UsageRow.none)')", "NULL")
            case .model: ("COALESCE(model, '\(UsageRow.none)')", "COALESCE(MAX(model), '\(UsageRow.none)')")
            }
        // Bound first, at init: the bucket's values come before the conditions' in the statement.
        let divisor = leading[0]
        let factor = leading[1]
        let bucket = "\(dialect.floor("started_at / \(divisor)")) * \(factor)"
        return """
            SELECT \(bucket) AS bucket, \(id) AS group_id, \(name), CAST(COUNT(*) AS BIGINT),
                CAST(SUM(failed) AS BIGINT), CAST(SUM(COALESCE(prompt_tokens, 0)) AS BIGINT),
                CAST(SUM(COALESCE(completion_tokens, 0)) AS BIGINT)
            FROM request_log \(whereClause) GROUP BY 1, 2
            """
    }

    private mutating func add(_ condition: String) { conditions.append(condition) }

    private mutating func bind(_ value: Value) -> String {
        values.append(value)
        return dialect.placeholder(values.count)
    }
}
