/// `POST /admin/cache/clear`: only one `provider`'s entries, or only one client `token`'s (its id) cached
/// answers, or (both absent) all of both caches.
struct ClearCacheRequest: AdminRequestBody, ProviderNaming {
    var provider: String?
    var token: String?

    init(_ fields: BodyFields) throws {
        provider = try fields.value("provider")
        token = try fields.value(.token)
    }
}
