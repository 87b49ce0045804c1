import Foundation

/// One rejected entry: where it was and why, worded for the person who pasted it.
public struct ImportProblem: Error, Sendable, Equatable, Codable {
    /// 1-based line number in text, or 1-based index of the element in a JSON array.
    public var line: Int
    /// Human-readable cause. Never contains the secret itself, so it is safe to log and return.
    public var reason: String

    /// Builds a problem; keep `reason` free of the secret so it can be logged and returned as is.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}
