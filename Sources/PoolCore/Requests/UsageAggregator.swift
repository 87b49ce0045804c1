import Foundation

/// Sums request records (and rows summed elsewhere, e.g. by a store) into usage rows by bucket and group.
public struct UsageAggregator: Sendable {
    public let query: UsageQuery
    private var rows: [Key: UsageRow] = [:]

    private struct Key: Hashable {
        var bucket: Date
        var id: String
    }

    public init(_ query: UsageQuery) {
        self.query = query
    }

    /// Counts `record` when the query's filter wants it.
    public mutating func add(_ record: RequestRecord) {
        guard query.filter.matches(record) else { return }
        let group = record.usageGroup(query.by)
        let bucket = query.period.bucket(of: record.startedAt)
        add(
            UsageRow(
                bucket: bucket, id: group.id, name: group.name, requests: 1, failed: record.isFailure ? 1 : 0,
                promptTokens: record.promptTokens ?? 0, completionTokens: record.completionTokens ?? 0))
    }

    /// Adds a row summed elsewhere to the one of its bucket and id.
    public mutating func add(_ row: UsageRow) {
        let key = Key(bucket: row.bucket, id: row.id)
        guard var sum = rows[key] else {
            rows[key] = row
            return
        }
        sum.requests += row.requests
        sum.failed += row.failed
        sum.promptTokens += row.promptTokens
        sum.completionTokens += row.completionTokens
        if sum.name == nil { sum.name = row.name }
        rows[key] = sum
    }

    /// The rows, oldest bucket first, then by id.
    public var result: [UsageRow] {
        rows.values.sorted { $0.bucket != $1.bucket ? $0.bucket < $1.bucket : $0.id < $1.id }
    }
}
