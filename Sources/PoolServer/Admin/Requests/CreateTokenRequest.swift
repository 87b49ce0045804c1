/// `POST /admin/tokens`: a `name`, optionally the one `provider` the token opens, and an expiry.
struct CreateTokenRequest: Decodable, Sendable {
    var name: String?
    var provider: String?
    var expiry: ExpiryFields

    init(from decoder: any Decoder) throws {
        let fields = try BodyFields(decoder)
        name = try fields.value("name")
        provider = try fields.value("provider")
        expiry = try ExpiryFields(fields)
    }
}
