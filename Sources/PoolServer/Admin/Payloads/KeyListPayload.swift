/// `GET /admin/api-keys`: one page of keys, with the counts of the whole pool by status.
struct KeyListPayload: Encodable {
    var provider: String
    var keys: [KeyPayload]
    /// Keys matching the filter, on every page.
    var total: Int
    var page: Int
    var pageSize: Int
    var totalPages: Int
    var counts: StatusCountsPayload
}
