import Foundation

/// Column arrays for `unnest(…)`: many rows in one statement instead of one statement per row.
///
/// postgres-nio binds arrays whose elements cannot be NULL, so nullable columns travel with a marker the SQL
/// side turns back: a missing number is NaN (`nullif(x, 'NaN')`, no date is NaN), a missing text is the empty
/// string and a present one is prefixed with `=` (`PostgresArrays.nullableText`).
enum PostgresArrays {
    /// Rows per statement: large enough that 100,000 keys take a few round trips, small enough that one
    /// statement's parameters stay a few megabytes.
    static let chunkSize = 5_000

    static func number(_ value: Double?) -> Double { value ?? .nan }

    static func text(_ value: String?) -> String { value.map { "=" + $0 } ?? "" }

    /// SQL reading a column made by `text(_:)` back as a nullable text.
    static func nullableText(_ column: String) -> String {
        "CASE WHEN \(column) = '' THEN NULL ELSE substr(\(column), 2) END"
    }

    /// SQL reading a column made by `number(_:)` back as a nullable double.
    static func nullableNumber(_ column: String) -> String { "nullif(\(column), 'NaN'::float8)" }

    /// `items` in slices of `chunkSize`.
    static func chunks<T>(_ items: [T]) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: chunkSize).map { items[$0..<min($0 + chunkSize, items.count)] }
    }
}
