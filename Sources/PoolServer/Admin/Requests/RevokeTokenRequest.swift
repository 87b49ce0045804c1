/// `DELETE /admin/tokens`: the token's `id` (or `?id=`).
struct RevokeTokenRequest: AdminRequestBody {
    var id: String?

    init(_ fields: BodyFields) throws {
        id = try fields.value("id")
    }
}
