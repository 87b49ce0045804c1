/// `DELETE /admin/api-keys`: keys named by `ids` (ids or secrets) and/or one `id` (or `apiKey`/`api_key`).
struct DeleteKeysRequest: Decodable, Sendable, ProviderNaming {
    var ids: [String]?
    /// One more key, by id or secret.
    var reference: String?
    var provider: String?

    init(from decoder: any Decoder) throws {
        let fields = try BodyFields(decoder)
        ids = try fields.value("ids")
        reference = try fields.value("id", "apiKey", "api_key")
        provider = try fields.value("provider")
    }
}
