import PoolCore

/// One proxied endpoint of one provider: where it goes upstream, and how its streams look.
struct ProxyRoute: Sendable {
    enum Method: Sendable {
        case get
        case post
    }

    var provider: ProviderID
    /// The endpoint's canonical path, e.g. `/v1/chat/completions`, `/v1/models/{id}`, `/api/chat`: what the
    /// request log and the model list cache name it by, whatever the provider's `openai_path`.
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
    /// `GET /v1/models/{id}`: the id follows in the path; answered from the cached model list when it holds it.
    var isModelLookup = false
    /// The provider dialect the endpoint belongs to.
    var providerDialect: ProviderDialect = .openai
    /// An un-prefixed route (`/v1/...`, `/api/...`): `ROUTE_BY_MODEL` may send it to another provider.
    var isDefault = false
    /// The provider as the catalog defines it now (nil until the route is bound to a catalog).
    var upstream: ProviderUpstream?
    /// The model id a `GET /v1/models/{id}` request names, as it appears in the path.
    var modelID: String?
    /// The request target at the provider's origin (the base URL's path and the endpoint's), without the query.
    var target = ""

    /// The route's path at any upstream base: `openai_path` applied (``ProviderUpstream/upstreamPath``).
    var providerPath: String {
        let path = upstream?.upstreamPath(endpoint: upstreamPath, dialect: providerDialect) ?? upstreamPath
        guard let modelID, isModelLookup else { return path }
        return path.dropLast(ProxyRoutes.modelIDPlaceholder.utf8.count) + modelID
    }

    /// Whether the provider's definition is enabled (a built-in's routes stay, and answer 503 while it is off).
    var isEnabled: Bool { upstream?.definition.enabled ?? true }

    static func openAI(_ provider: ProviderID, _ path: String, method: Method = .post) -> ProxyRoute {
        // The Responses API counts `input_tokens`/`output_tokens`, as Anthropic's messages do.
        ProxyRoute(
            provider: provider, upstreamPath: path, method: method,
            usageFormat: path == "/v1/responses" ? .anthropic : .openAI,
            framing: .serverSentEvents, dialect: .openAI, streamsByDefault: false, isModelList: path == "/v1/models",
            isModelLookup: path == "/v1/models/{id}"
        )
    }

    static func anthropic(_ provider: ProviderID, _ path: String = "/v1/messages") -> ProxyRoute {
        ProxyRoute(
            provider: provider, upstreamPath: path, method: .post, usageFormat: .anthropic,
            framing: .serverSentEvents, dialect: .anthropic, streamsByDefault: false, providerDialect: .anthropic
        )
    }

    static func ollamaNative(
        _ endpoint: String, method: Method, streamsByDefault: Bool = false, provider: ProviderID = .ollama
    ) -> ProxyRoute {
        ProxyRoute(
            provider: provider, upstreamPath: "/api/" + endpoint, method: method, usageFormat: .ollama,
            framing: .jsonLines, dialect: .ollama, streamsByDefault: streamsByDefault, isModelList: endpoint == "tags",
            providerDialect: .ollama
        )
    }

    /// The route bound to its provider's definition: the upstream and the target there.
    func bound(to upstream: ProviderUpstream) -> ProxyRoute {
        var route = self
        route.upstream = upstream
        route.target = upstream.basePath + route.providerPath
        return route
    }
}
