/// `GET /metrics` in the Prometheus text format (issue #16): whether metrics are collected at all, the extra token
/// that may read them, and the optional listener of their own for a scraper on a private network.
public struct MetricsConfiguration: Sendable {
    /// Off: no observer is registered (nothing is counted on the request path) and `/metrics` is not found.
    public var enabled = true
    /// A Bearer token that may read `/metrics` besides the admin token (and nothing else).
    public var token: String?
    /// A second listener on `HOST` serving only `/metrics`, without auth; 0 is none.
    public var port = 0

    public init() {}
}
