import PoolCore

/// One proxied endpoint: where it goes upstream, and how its streams look.
struct ProxyRoute: Sendable {
    enum Method: Sendable {
        case get
        case post
    }

    var provider: ProviderID
    /// Path appended to the provider's base URL, e.g. `/v1/chat/completions`.
    var upstreamPath: String
    var method: Method
    var usageFormat: UsageScanner.Format
    /// How a streamed answer is framed; the relay only ever forwards whole events or lines.
    var framing: StreamFraming
    /// The error shape the route's clients read (`ErrorDialect(path:)` says the same of the route's paths).
    var dialect: ErrorDialect
    /// Whether a request without `stream` streams (Ollama's native chat and generate do; OpenAI's API does not).
    var streamsByDefault: Bool
    /// Model lists are answered from the model list cache.
    var isModelList = false

    static func openAI(_ provider: ProviderID, _ path: String, method: Method = .post) -> ProxyRoute {
        ProxyRoute(
            provider: provider, upstreamPath: path, method: method, usageFormat: .openAI,
            framing: .serverSentEvents, dialect: .openAI, streamsByDefault: false, isModelList: path == "/v1/models"
        )
    }

    static func anthropic(_ provider: ProviderID) -> ProxyRoute {
        ProxyRoute(
            provider: provider, upstreamPath: "/v1/messages", method: .post, usageFormat: .anthropic,
            framing: .serverSentEvents, dialect: .anthropic, streamsByDefault: false
        )
    }

    static func ollamaNative(_ endpoint: String, method: Method, streamsByDefault: Bool = false) -> ProxyRoute {
        ProxyRoute(
            provider: .ollama, upstreamPath: "/api/" + endpoint, method: method, usageFormat: .ollama,
            framing: .jsonLines, dialect: .ollama, streamsByDefault: streamsByDefault, isModelList: endpoint == "tags"
        )
    }
}
