import Foundation

/// What an import contained, split into accepted entries and rejected ones.
public struct ImportParseResult: Sendable, Equatable {
    /// Valid entries in input order, duplicates included: de-duplication is the caller's job.
    public var entries: [ImportEntry]
    /// Rejected entries in input order.
    public var invalid: [ImportProblem]

    /// Entries parsed (blank and comment lines excluded) = `entries.count + invalid.count`.
    ///
    /// Computed rather than stored so it can never disagree with the two lists.
    public var total: Int { entries.count + invalid.count }

    /// Builds a result; `total` follows from the two lists.
    public init(entries: [ImportEntry] = [], invalid: [ImportProblem] = []) {
        self.entries = entries
        self.invalid = invalid
    }
}
