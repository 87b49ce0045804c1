import PoolCore

/// The error shapes clients expect, one per family of routes.
public enum ErrorDialect: Sendable {
    /// `{"error":{"message","type","param","code"}}` on `/v1` routes.
    case openAI
    /// `{"error":"message"}` on native `/api` routes.
    case ollama
    /// `{"type":"error","error":{"type","message"}}` on `/v1/messages`.
    case anthropic
    /// `{"error":"message"}` on `/admin` and other gateway routes.
    case admin

    /// The dialect a path's clients speak: the one place that maps paths to dialects, so that the router's own
    /// 404 and 405 under `/v1` answer like OpenAI does, too. A first segment that can name a provider
    /// (`/{name}/v1/...`, `/{name}/api/...`) is skipped, known or not: an unknown provider's path is a 404 in its
    /// dialect.
    public init(path: String) {
        var trimmed = Substring(path)
        if trimmed.hasPrefix("/"), let slash = trimmed.dropFirst().firstIndex(of: "/") {
            let name = trimmed[trimmed.index(after: trimmed.startIndex)..<slash]
            let rest = trimmed[slash...]
            let dialectRoot = rest == "/v1" || rest.hasPrefix("/v1/") || rest == "/api" || rest.hasPrefix("/api/")
            if dialectRoot, (try? ProviderRules.validateName(String(name))) != nil { trimmed = rest }
        }
        if trimmed == "/v1/messages" || trimmed.hasPrefix("/v1/messages/") {
            self = .anthropic
        } else if trimmed == "/v1" || trimmed.hasPrefix("/v1/") {
            self = .openAI
        } else if trimmed == "/api" || trimmed.hasPrefix("/api/") {
            self = .ollama
        } else {
            self = .admin
        }
    }
}
