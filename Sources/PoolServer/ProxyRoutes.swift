import Hummingbird
import PoolCore

/// The OpenAI-compatible routes: `/v1/...` and `/ollama/v1/...` for Ollama, `/openrouter/v1/...` for OpenRouter.
struct ProxyRoutes {
    let engine: ProxyEngine

    static let prefixes: [(path: String, provider: ProviderID)] = [
        ("v1", .ollama), ("ollama/v1", .ollama), ("openrouter/v1", .openrouter),
    ]

    func register(on router: Router<BasicRequestContext>) {
        for (prefix, provider) in Self.prefixes {
            let group = router.group(RouterPath(prefix))
            for endpoint in ["chat/completions", "completions", "embeddings"] {
                let route = ProxyRoute.openAI(provider, "/v1/" + endpoint)
                group.post(RouterPath(endpoint)) { request, context in
                    try await engine.handle(request, context: context, route: route)
                }
            }
            let models = ProxyRoute.openAI(provider, "/v1/models", method: .get)
            group.get("models") { request, context in
                try await engine.handle(request, context: context, route: models)
            }
        }
    }
}
