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

    func register(on router: Router<GatewayRequestContext>) {
        for (prefix, provider) in Self.openAIPrefixes {
            let group = router.group(RouterPath(prefix))
                .add(middleware: ClientTokenMiddleware(tokens: tokens, provider: provider))
            for endpoint in ["chat/completions", "completions", "embeddings"] {
                add(ProxyRoute.openAI(provider, "/v1/" + endpoint), at: RouterPath(endpoint), on: group)
            }
            add(ProxyRoute.openAI(provider, "/v1/models", method: .get), at: "models", on: group)
            if provider == .ollama {
                add(ProxyRoute.anthropic(provider), at: "messages", on: group)
            }
        }
        let native = router.group("api").add(middleware: ClientTokenMiddleware(tokens: tokens, provider: .ollama))
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
