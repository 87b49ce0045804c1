import Foundation

/// Which request records a query wants (`GET /admin/requests`, `/admin/usage`): every field that is set must match.
/// The memory ring applies it with ``matches(_:)``; the stores translate the same fields into their queries.
public struct RequestFilter: Sendable, Equatable {
    /// A status as the filter names it.
    public enum Status: Sendable, Equatable {
        /// Exactly this code, e.g. 429.
        case code(Int)
        /// A class by its first digit: 2 for `2xx`, … 5 for `5xx`.
        case statusClass(Int)
        /// Any status ≥ 400.
        case error

        /// The codes it matches, as a half-open range.
        public var range: Range<Int> {
            switch self {
            case .code(let code): code..<(code + 1)
            case .statusClass(let digit): (digit * 100)..<(digit * 100 + 100)
            case .error: 400..<Int.max
            }
        }
    }

    /// A client token id.
    public var tokenID: String?
    /// A key id: matches a request any of whose attempts used the key.
    public var keyID: String?
    public var model: String?
    public var provider: ProviderID?
    public var status: Status?
    /// Started at or after.
    public var since: Date?
    /// Started before.
    public var until: Date?
    /// A case-insensitive substring of the id, model, token name or error.
    public var text: String?

    public init(
        tokenID: String? = nil, keyID: String? = nil, model: String? = nil, provider: ProviderID? = nil,
        status: Status? = nil, since: Date? = nil, until: Date? = nil, text: String? = nil
    ) {
        self.tokenID = tokenID
        self.keyID = keyID
        self.model = model
        self.provider = provider
        self.status = status
        self.since = since
        self.until = until
        self.text = text
    }

    /// Whether `record` is one the filter wants.
    public func matches(_ record: RequestRecord) -> Bool {
        if let tokenID, record.tokenID != tokenID { return false }
        if let keyID, !record.attempts.contains(where: { $0.keyID == keyID }) { return false }
        if let model, record.model != model { return false }
        if let provider, record.provider != provider { return false }
        if let status, !status.range.contains(record.status) { return false }
        if let since, record.startedAt < since { return false }
        if let until, record.startedAt >= until { return false }
        if let text, !text.isEmpty {
            let fields = [record.id, record.model, record.tokenName, record.error]
            guard fields.contains(where: { $0?.range(of: text, options: .caseInsensitive) != nil }) else {
                return false
            }
        }
        return true
    }
}
