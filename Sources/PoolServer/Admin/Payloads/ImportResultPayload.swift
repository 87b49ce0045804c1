import PoolCore

/// The answer to the plain imports: `total = added + duplicates + invalid.count`.
struct ImportResultPayload: Encodable {
    var success = true
    var provider: String
    var total: Int
    var added: Int
    var duplicates: Int
    var invalid: [ImportProblem]

    init(_ summary: ImportSummary, provider: ProviderID) {
        self.provider = provider.rawValue
        total = summary.total
        added = summary.added
        duplicates = summary.duplicates
        invalid = summary.invalid
    }
}
