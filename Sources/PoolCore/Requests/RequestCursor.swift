import Foundation

/// Where a page of request records ended: the last record's start time and id. Records are listed newest first by
/// (start time, id), so the next page is everything strictly before the cursor — stable while new records arrive.
/// To clients it is opaque text (base64url of the start time's exact seconds and the id).
public struct RequestCursor: Sendable, Hashable, Comparable {
    /// The start time as seconds since 1970, exactly as stored.
    public var startedAt: Double
    public var id: String

    public init(startedAt: Double, id: String) {
        self.startedAt = startedAt
        self.id = id
    }

    /// The position of `record`.
    public init(_ record: RequestRecord) {
        self.init(startedAt: record.startedAt.timeIntervalSince1970, id: record.id)
    }

    /// Reads a cursor's text; nil when it is not one.
    public init?(text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8),
            let separator = decoded.firstIndex(of: "|"),
            let seconds = Double(decoded[..<separator]), seconds.isFinite
        else { return nil }
        self.init(startedAt: seconds, id: String(decoded[decoded.index(after: separator)...]))
    }

    /// The cursor as opaque text.
    public var text: String {
        Data("\(startedAt)|\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Older first: a record comes after another in a listing when it is smaller.
    public static func < (lhs: RequestCursor, rhs: RequestCursor) -> Bool {
        lhs.startedAt != rhs.startedAt ? lhs.startedAt < rhs.startedAt : lhs.id < rhs.id
    }
}
