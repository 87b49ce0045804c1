/// `POST /admin/cache/clear`: only one `provider`'s entries, or (absent) all.
struct ClearCacheRequest: AdminRequestBody, ProviderNaming {
    var provider: String?

    init(_ fields: BodyFields) throws {
        provider = try fields.value("provider")
    }
}
