/// An upstream provider as data: where its API lives, which dialects it speaks, how a key is checked, what the
/// gateway adds to every request, and how client model names map to its own.
///
/// The built-in presets (`ollama`, `openrouter`) are definitions too (see `ProviderPresets`); operators add more
/// in `PROVIDERS_FILE` or through `/admin/providers`. Field names on the wire are snake_case, as in the file.
public struct ProviderDefinition: Sendable, Equatable, Codable {
    /// The provider's name; also its path prefix (`/{name}/v1/...`, `/{name}/api/...`).
    public var name: ProviderID
    /// The upstream's root, without a trailing slash: OpenAI-compatible requests go to `{base_url}{openai_path}/...`,
    /// native Ollama ones to `{base_url}/api/...`, Anthropic ones to `{base_url}/v1/messages`.
    public var baseURL: String
    /// Where the OpenAI-compatible API sits under `base_url` (`/v1`; Gemini's is `/v1beta/openai`).
    public var openAIPath: String
    /// The client dialects the provider serves; its routes exist only for these.
    public var dialects: [ProviderDialect]
    /// How a key is checked (imports with validation, health checks, recovery).
    public var probe: ProviderProbe
    /// Header fields added to every upstream request (e.g. OpenRouter's `HTTP-Referer`).
    public var headers: [String: String]
    /// Upstream timeouts for this provider; a field left out uses the gateway's setting.
    public var timeouts: ProviderTimeouts
    /// Client model name → upstream model name; only the body's top-level `model` is rewritten.
    public var aliases: [String: String]
    /// A disabled provider's routes answer 404 in their dialect, as for an unknown provider.
    public var enabled: Bool

    public init(
        name: ProviderID, baseURL: String, openAIPath: String = "/v1", dialects: [ProviderDialect] = [.openai],
        probe: ProviderProbe = .models, headers: [String: String] = [:], timeouts: ProviderTimeouts = .init(),
        aliases: [String: String] = [:], enabled: Bool = true
    ) {
        self.name = name
        self.baseURL = baseURL
        self.openAIPath = openAIPath
        self.dialects = dialects
        self.probe = probe
        self.headers = headers
        self.timeouts = timeouts
        self.aliases = aliases
        self.enabled = enabled
    }

    public func serves(_ dialect: ProviderDialect) -> Bool { dialects.contains(dialect) }

    /// The upstream model name for a client's `model` (itself when no alias names it).
    public func upstreamModel(for model: String) -> String { aliases[model] ?? model }

    enum CodingKeys: String, CodingKey {
        case name
        case baseURL = "base_url"
        case openAIPath = "openai_path"
        case dialects, probe, headers, timeouts, aliases, enabled
    }

    /// Every field but `name` and `base_url` may be left out of a file or a POST body.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(ProviderID.self, forKey: .name)
        baseURL = try container.decode(String.self, forKey: .baseURL)
        openAIPath = try container.decodeIfPresent(String.self, forKey: .openAIPath) ?? "/v1"
        dialects = try container.decodeIfPresent([ProviderDialect].self, forKey: .dialects) ?? [.openai]
        probe = try container.decodeIfPresent(ProviderProbe.self, forKey: .probe) ?? .models
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        timeouts = try container.decodeIfPresent(ProviderTimeouts.self, forKey: .timeouts) ?? .init()
        aliases = try container.decodeIfPresent([String: String].self, forKey: .aliases) ?? [:]
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
    }
}

/// A client dialect a provider can serve.
public enum ProviderDialect: String, Sendable, Codable, CaseIterable {
    /// `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, `/v1/models`, `/v1/responses`.
    case openai
    /// Ollama's native `/api/...`.
    case ollama
    /// `/v1/messages`, `/v1/messages/count_tokens`.
    case anthropic
}

/// How the gateway asks an upstream whether a key works.
public enum ProviderProbe: Sendable, Equatable, Codable {
    /// A one-token chat completion with `model` (a 2xx means the key works).
    case chat(model: String)
    /// The OpenAI-compatible model list (`GET {openai_path}/models`), or Ollama's `/api/tags` for a provider that
    /// serves only the Ollama dialect; the models learned also route requests.
    case models
    /// A key-information endpoint such as OpenRouter's `/v1/key` (label, limit, usage).
    case keyInfo(path: String)

    enum CodingKeys: String, CodingKey { case kind, model, path }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "chat": self = .chat(model: try container.decode(String.self, forKey: .model))
        case "models": self = .models
        case "key_info": self = .keyInfo(path: try container.decodeIfPresent(String.self, forKey: .path) ?? "/v1/key")
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "unknown probe kind '\(other)'; use chat, models or key_info")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .chat(let model):
            try container.encode("chat", forKey: .kind)
            try container.encode(model, forKey: .model)
        case .models:
            try container.encode("models", forKey: .kind)
        case .keyInfo(let path):
            try container.encode("key_info", forKey: .kind)
            try container.encode(path, forKey: .path)
        }
    }
}

/// A provider's own upstream timeouts in seconds; nil uses the gateway's setting.
public struct ProviderTimeouts: Sendable, Equatable, Codable {
    public var connect: Double?
    public var firstByte: Double?
    public var idle: Double?

    public init(connect: Double? = nil, firstByte: Double? = nil, idle: Double? = nil) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
    }

    enum CodingKeys: String, CodingKey {
        case connect
        case firstByte = "first_byte"
        case idle
    }
}
