import PoolCore

/// `GET /admin/requests`: one page of request records, newest first, and the cursor of the next (null: none).
struct RequestListPayload: Encodable {
    var requests: [RequestRecordPayload]
    var nextCursor: String?

    init(_ page: RequestPage) {
        requests = page.records.map(RequestRecordPayload.init)
        nextCursor = page.nextCursor?.text
    }

    enum CodingKeys: String, CodingKey {
        case requests
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requests, forKey: .requests)
        // Null rather than absent: the last page says so.
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
