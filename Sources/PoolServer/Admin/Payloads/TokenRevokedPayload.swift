/// `DELETE /admin/tokens`: the token that was revoked.
struct TokenRevokedPayload: Encodable {
    var success = true
    var id: String
}
