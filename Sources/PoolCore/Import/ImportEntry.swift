import Foundation

/// One key accepted by an import, in the order it appeared.
public struct ImportEntry: Sendable, Equatable {
    /// The upstream secret, trimmed and validated; never shown in an ``ImportProblem``.
    public var secret: String
    /// Who the key belongs to, when the input said so; `nil` when absent or blank.
    public var username: String?
    /// 1-based line number in text, or 1-based index of the element in a JSON array.
    public var line: Int

    /// Builds an entry; the parser passes already-trimmed values, with a blank username as `nil`.
    public init(secret: String, username: String? = nil, line: Int) {
        self.secret = secret
        self.username = username
        self.line = line
    }
}
