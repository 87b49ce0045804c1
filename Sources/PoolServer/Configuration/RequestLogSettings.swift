/// The request log (issue #16): how many records memory keeps, how long the store keeps them, and whether request
/// bodies are kept.
public struct RequestLogSettings: Sendable, Equatable {
    /// `REQUEST_LOG_SIZE`: records in the memory ring.
    public var size = 10_000
    /// `REQUEST_LOG_DAYS`: days the store keeps records; 0 keeps them in memory only.
    public var days = 7
    /// `LOG_BODIES`: keep each request's body (at most 64 KiB of it) in its record.
    public var logBodies = false

    public init() {}

    /// Records go to the store.
    public var persists: Bool { days > 0 }
}
