/// `GET /admin/tokens`: every client token, by prefix.
struct TokenListPayload: Encodable {
    var tokens: [TokenPayload]
    var total: Int
}
