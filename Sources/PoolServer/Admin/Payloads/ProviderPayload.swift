import PoolCore

/// A provider as `/admin/providers` shows it: its definition in the file's field names, with every header value
/// masked (a header may carry a credential), where the definition comes from, and its keys by status.
struct ProviderPayload: Encodable {
    var definition: ProviderDefinition
    /// `built_in`, `file` or `store` (see `ProviderRegistry.Source`).
    var source: String
    var keys: StatusCountsPayload

    init(_ listing: ProviderListing) {
        var masked = listing.definition
        masked.headers = listing.definition.headers.mapValues(SecretMask.mask)
        definition = masked
        source = listing.source
        keys = StatusCountsPayload(listing.keys)
    }

    private enum ExtraKeys: String, CodingKey { case source, keys }

    /// The definition's own fields at the top level, then `source` and `keys` beside them.
    func encode(to encoder: any Encoder) throws {
        try definition.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(keys, forKey: .keys)
    }
}
