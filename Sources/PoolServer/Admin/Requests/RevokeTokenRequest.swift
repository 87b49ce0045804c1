/// `DELETE /admin/tokens`: the token's `id` (or `?id=`).
struct RevokeTokenRequest: Decodable, Sendable {
    var id: String?

    init(from decoder: any Decoder) throws {
        id = try BodyFields(decoder).value("id")
    }
}
