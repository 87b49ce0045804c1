/// A query parameter of `/admin/requests` or `/admin/usage` that cannot be read; its message is the 400's text.
public struct RequestQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
