/// `PATCH /admin/tokens/{id}` and `GET /admin/tokens/{id}`: the token as it is now.
struct TokenUpdatedPayload: Encodable {
    var success = true
    var token: TokenPayload
}
