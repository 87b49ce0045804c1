import NIOCore
import PoolCore

/// A provider's definition as the proxy uses it on every request, worked out once per catalog: its origin and
/// the base URL's own path split from `base_url`, the header fields it adds, its timeouts. Shared by
/// every route of the provider (a class: a route copies one reference).
final class ProviderUpstream: Sendable {
    let definition: ProviderDefinition
    /// Where the provider's requests go; nil when `base_url` is no http(s) URL (its requests fail as invalid URLs).
    let origin: UpstreamOrigin?
    /// The path part of `base_url`, without a trailing slash (`/api` for OpenRouter, empty for Ollama's).
    let basePath: String
    /// Header fields added to every upstream request of the provider (probes included), in a stable order.
    let headers: [(name: String, value: String)]
    /// The provider's timeouts, when its definition sets them (else the gateway's settings apply).
    let firstByteTimeout: TimeAmount?
    let connectTimeout: TimeAmount?
    let streamIdleTimeout: TimeAmount?
    /// `openai_path` without a trailing slash.
    let openAIPath: String

    init(_ definition: ProviderDefinition) {
        self.definition = definition
        openAIPath = ProviderRules.normalizedBaseURL(definition.openAIPath)
        let split = Self.split(baseURL: definition.baseURL)
        origin = split?.origin
        basePath = split?.basePath ?? ""
        headers = definition.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        firstByteTimeout = definition.timeouts.firstByte.map(Self.timeAmount)
        connectTimeout = definition.timeouts.connect.map(Self.timeAmount)
        streamIdleTimeout = definition.timeouts.idle.map(Self.timeAmount)
    }

    /// Seconds as NIO's time amount, held to `ProviderRules`' range: a definition read back from the store is not
    /// validated again, and a hand-edited row must not trap here.
    static func timeAmount(_ seconds: Double) -> TimeAmount {
        guard seconds.isFinite, seconds > 0 else { return .milliseconds(1) }
        return .milliseconds(Int64(min(seconds, 86_400) * 1000))
    }

    var name: ProviderID { definition.name }

    /// A base URL's origin and path (without a trailing slash), or nil when it is no http(s) URL.
    static func split(baseURL: String) -> (origin: UpstreamOrigin, basePath: String)? {
        guard let (origin, target) = UpstreamOrigin.split(ProviderRules.normalizedBaseURL(baseURL)) else { return nil }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return (origin, path == "/" ? "" : String(path))
    }

    /// The path at the upstream (below `base_url`) of a proxied endpoint in a dialect: the OpenAI dialect's under
    /// `openai_path`, the others' where Ollama and Anthropic put them. `endpoint` is the canonical path, e.g.
    /// `/v1/chat/completions`, `/v1/messages`, `/api/chat`.
    func upstreamPath(endpoint: String, dialect: ProviderDialect) -> String {
        guard dialect == .openai, endpoint.hasPrefix("/v1/") else { return endpoint }
        return openAIPath + endpoint.dropFirst(3)
    }
}
