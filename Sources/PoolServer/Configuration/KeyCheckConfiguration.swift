import Foundation

/// How the gateway probes keys: validated imports, health checks and automatic recovery.
public struct KeyCheckConfiguration: Sendable, Equatable {
    /// What an Ollama probe asks; options can grow without breaking callers.
    public struct OllamaProbe: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// `POST {base}/v1/chat/completions` with the probe model and `max_tokens: 1`: proves the key can
        /// generate, at the cost of one token.
        public static let chat = OllamaProbe(rawValue: "chat")
        /// `GET {base}/api/tags` with the key: free, and proves the key authenticates, but not that its quota
        /// lasts.
        public static let models = OllamaProbe(rawValue: "models")

        /// Every kind, for parsing and messages.
        public static let all: [OllamaProbe] = [.chat, .models]
    }

    /// What an Ollama probe asks (`OLLAMA_PROBE`).
    public var ollamaProbe = OllamaProbe.chat
    /// The model a `chat` probe asks for.
    public var ollamaProbeModel = "gpt-oss:20b"
    /// Longest a probe (and the model discovery that follows it) may take.
    public var probeTimeout: TimeInterval = 20
    /// Most probes at the upstream at once, across imports, health checks and recovery.
    public var concurrency = 16
    /// Seconds between recovery passes; 0 turns automatic recovery off.
    public var healthCheckInterval: TimeInterval = 600
    /// Active keys unused for this long are probed by recovery passes; 0 turns idle probing off.
    public var idleProbeSeconds: TimeInterval = 86_400
    /// Longest back-off between recovery probes of a key that keeps failing them.
    public var recoveryBackoffCap: TimeInterval = 86_400

    public init() {}
}
