/// `POST /admin/cache/clear`: only one `provider`'s entries, or (absent) all.
struct ClearCacheRequest: Decodable, Sendable, ProviderNaming {
    var provider: String?

    init(from decoder: any Decoder) throws {
        provider = try BodyFields(decoder).value("provider")
    }
}
