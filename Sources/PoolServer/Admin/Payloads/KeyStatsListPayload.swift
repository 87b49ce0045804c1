/// `GET /admin/keys/stats`: every key of one pool with its counters.
struct KeyStatsListPayload: Encodable {
    var provider: String
    var keys: [KeyPayload]
    var total: Int
}
