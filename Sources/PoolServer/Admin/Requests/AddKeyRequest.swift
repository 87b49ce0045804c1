/// `POST /admin/api-keys`: one key (`apiKey`, `api_key` or `key`), optionally its owner and expiry, its own server
/// (`base_url`; a server without a secret is a key too) and its placement (`weight`, `tier`).
struct AddKeyRequest: AdminRequestBody, ProviderNaming {
    var apiKey: String?
    var username: String?
    var provider: String?
    var expiry: ExpiryFields
    var placement: KeyPlacementFields

    init(_ fields: BodyFields) throws {
        apiKey = try fields.value(.apiKey)
        username = try fields.value("username")
        provider = try fields.value("provider")
        expiry = try ExpiryFields(fields)
        placement = try KeyPlacementFields(fields)
    }
}
