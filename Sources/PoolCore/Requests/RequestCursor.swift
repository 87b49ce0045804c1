import Foundation

/// Where a page of request records ended: the last record's start time and id. Records are listed newest first by
/// (start time, id), so the next page is everything strictly before the cursor — stable while new records arrive.
/// To clients it is opaque text (base64url of the start in microseconds since 1970 and the id).
public struct RequestCursor: Sendable, Hashable, Comparable {
    /// The start time in microseconds since 1970, as the stores keep it (`RequestTime.micros`).
    public var startedMicros: Int64
    public var id: String

    public init(startedMicros: Int64, id: String) {
        self.startedMicros = startedMicros
        self.id = id
    }

    /// The position of `record`.
    public init(_ record: RequestRecord) {
        self.init(startedMicros: RequestTime.micros(record.startedAt), id: record.id)
    }

    /// Reads a cursor's text; nil when it is not one.
    public init?(text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8),
            let separator = decoded.firstIndex(of: "|"),
            let micros = Int64(decoded[..<separator])
        else { return nil }
        self.init(startedMicros: micros, id: String(decoded[decoded.index(after: separator)...]))
    }

    /// The cursor as opaque text.
    public var text: String {
        Data("\(startedMicros)|\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Older first: a record comes after another in a listing when it is smaller.
    public static func < (lhs: RequestCursor, rhs: RequestCursor) -> Bool {
        lhs.startedMicros != rhs.startedMicros ? lhs.startedMicros < rhs.startedMicros : lhs.id < rhs.id
    }
}
