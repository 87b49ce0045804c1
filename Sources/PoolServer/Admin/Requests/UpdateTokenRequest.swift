/// `PATCH /admin/tokens/{id}`: any of `name`, `provider` (`null`: every provider), an expiry (`ttl` 0: never),
/// and the policy fields (`null` clears one).
struct UpdateTokenRequest: AdminRequestBody {
    var name: String?
    var provider: FieldChange<String>
    var expiry: ExpiryFields
    var policy: TokenPolicyFields

    init(_ fields: BodyFields) throws {
        name = try fields.value("name")
        provider = try fields.change("provider")
        expiry = try ExpiryFields(fields)
        policy = try TokenPolicyFields(fields)
    }
}
