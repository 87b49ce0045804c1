/// `POST /admin/tokens`: a `name`, optionally the one `provider` the token opens, and an expiry.
struct CreateTokenRequest: AdminRequestBody {
    var name: String?
    var provider: String?
    var expiry: ExpiryFields

    init(_ fields: BodyFields) throws {
        name = try fields.value("name")
        provider = try fields.value("provider")
        expiry = try ExpiryFields(fields)
    }
}
