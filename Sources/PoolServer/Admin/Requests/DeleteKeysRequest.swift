/// `DELETE /admin/api-keys`: keys named by `ids` (ids or secrets) and/or one `id` (or `apiKey`/`api_key`).
struct DeleteKeysRequest: AdminRequestBody, ProviderNaming {
    var ids: [String]?
    /// One more key, by id or secret.
    var reference: String?
    var provider: String?

    init(_ fields: BodyFields) throws {
        ids = try fields.value("ids")
        reference = try fields.value("id", .apiKey)
        provider = try fields.value("provider")
    }
}
