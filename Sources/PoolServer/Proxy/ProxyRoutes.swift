import Hummingbird
import PoolCore

/// Every proxied route: OpenAI-compatible `/v1/...` (also `/ollama/v1/...` and `/openrouter/v1/...`),
/// Anthropic-compatible `/v1/messages`, and Ollama's native `/api/...`.
struct ProxyRoutes {
    let engine: ProxyEngine
    let tokens: TokenRegistry

    static let openAIPrefixes: [(path: String, provider: ProviderID)] = [
        ("v1", .ollama), ("ollama/v1", .ollama), ("openrouter/v1", .openrouter),
    ]

    /// Ollama's native endpoints: name, method, and whether a request without `stream` streams.
    static let nativeEndpoints: [(name: String, method: ProxyRoute.Method, streams: Bool)] = [
        ("chat", .post, true), ("generate", .post, true), ("embed", .post, false), ("embeddings", .post, false),
        ("show", .post, false), ("tags", .get, false), ("version", .get, false), ("ps", .get, false),
    ]

    /// The OpenAI-compatible endpoints that take a POST under each prefix.
    static let openAIPostEndpoints = ["chat/completions", "completions", "embeddings"]

    /// The provider whose proxied route `path` is, or nil when it is no proxied route (for the statistics).
    static func provider(forPath path: String) -> ProviderID? {
        let path = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
        for (prefix, provider) in openAIPrefixes where path.hasPrefix(prefix + "/") {
            let endpoint = path.dropFirst(prefix.count + 1)
            if openAIPostEndpoints.contains(String(endpoint)) || endpoint == "models"
                || (provider == .ollama && endpoint == "messages")
            {
                return provider
            }
        }
        if path.hasPrefix("api/"), nativeEndpoints.contains(where: { $0.name == path.dropFirst(4) }) { return .ollama }
        return nil
    }

    func register(on router: Router<GatewayRequestContext>) {
        let stats = engine.reporter.stats
        for (prefix, provider) in Self.openAIPrefixes {
            let group = router.group(RouterPath(prefix))
                .add(middleware: ClientTokenMiddleware(tokens: tokens, provider: provider, stats: stats))
            for endpoint in Self.openAIPostEndpoints {
                add(ProxyRoute.openAI(provider, "/v1/" + endpoint), at: RouterPath(endpoint), on: group)
            }
            add(ProxyRoute.openAI(provider, "/v1/models", method: .get), at: "models", on: group)
            if provider == .ollama {
                add(ProxyRoute.anthropic(provider), at: "messages", on: group)
            }
        }
        let native = router.group("api")
            .add(middleware: ClientTokenMiddleware(tokens: tokens, provider: .ollama, stats: stats))
        for endpoint in Self.nativeEndpoints {
            add(
                ProxyRoute.ollamaNative(endpoint.name, method: endpoint.method, streamsByDefault: endpoint.streams),
                at: RouterPath(endpoint.name), on: native)
        }
    }

    private func add(_ route: ProxyRoute, at path: RouterPath, on group: RouterGroup<GatewayRequestContext>) {
        switch route.method {
        case .get:
            group.get(path) { request, context in try await engine.handle(request, context: context, route: route) }
        case .post:
            group.post(path) { request, context in try await engine.handle(request, context: context, route: route) }
        }
    }
}
