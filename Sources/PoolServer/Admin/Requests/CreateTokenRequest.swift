/// `POST /admin/tokens`: a `name`, optionally the one `provider` the token opens, an expiry, and its policy.
struct CreateTokenRequest: AdminRequestBody {
    var name: String?
    var provider: String?
    var expiry: ExpiryFields
    var policy: TokenPolicyFields

    init(_ fields: BodyFields) throws {
        name = try fields.value("name")
        provider = try fields.value("provider")
        expiry = try ExpiryFields(fields)
        policy = try TokenPolicyFields(fields)
    }
}
