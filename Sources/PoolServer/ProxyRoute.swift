import PoolCore

/// One proxied endpoint: where it goes upstream, which dialect its errors speak and how its streams look.
struct ProxyRoute: Sendable {
    enum Method: Sendable {
        case get
        case post
    }

    var provider: ProviderID
    /// Path appended to the provider's base URL, e.g. `/v1/chat/completions`.
    var upstreamPath: String
    var method: Method
    var dialect: ErrorDialect
    var usageFormat: UsageScanner.Format
    /// Whether a request without `stream` streams (Ollama's native API does; OpenAI's does not).
    var streamsByDefault: Bool

    static func openAI(_ provider: ProviderID, _ path: String, method: Method = .post) -> ProxyRoute {
        ProxyRoute(
            provider: provider, upstreamPath: path, method: method, dialect: .openAI, usageFormat: .openAI,
            streamsByDefault: false
        )
    }
}
