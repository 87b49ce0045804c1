/// `POST /admin/verify-key`: a pool key by `id` (or id or secret), or any key by its secret (`apiKey` and its
/// aliases), at the provider's server or at `base_url` (a self-hosted one, with or without a secret).
struct VerifyKeyRequest: AdminRequestBody, ProviderNaming {
    var id: String?
    var apiKey: String?
    var provider: String?
    var baseURL: String?

    init(_ fields: BodyFields) throws {
        id = try fields.value("id")
        apiKey = try fields.value(.apiKey)
        provider = try fields.value("provider")
        baseURL = try fields.value(.baseURL)
    }
}
