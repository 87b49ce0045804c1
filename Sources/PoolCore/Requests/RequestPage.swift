import Foundation

/// One page of request records, newest first, and where the next begins (nil: this was the last).
public struct RequestPage: Sendable, Equatable {
    public var records: [RequestRecord]
    public var nextCursor: RequestCursor?

    public init(records: [RequestRecord], nextCursor: RequestCursor?) {
        self.records = records
        self.nextCursor = nextCursor
    }

    /// The page of `limit` records out of `candidates` (newest first, up to `limit + 1` of them: one more says
    /// that a next page exists).
    public init(candidates: [RequestRecord], limit: Int) {
        guard candidates.count > limit else {
            self.init(records: candidates, nextCursor: nil)
            return
        }
        let records = Array(candidates.prefix(limit))
        self.init(records: records, nextCursor: records.last.map(RequestCursor.init))
    }

    /// The newest `limit` of `records` (any order) before `cursor`, plus one more when there is one.
    public static func newest(
        _ records: some Sequence<RequestRecord>, before cursor: RequestCursor?, limit: Int
    ) -> [RequestRecord] {
        var picked: [(position: RequestCursor, record: RequestRecord)] = []
        for record in records {
            let position = RequestCursor(record)
            if let cursor, !(position < cursor) { continue }
            picked.append((position, record))
        }
        picked.sort { $0.position > $1.position }
        return picked.prefix(limit + 1).map(\.record)
    }
}
