import Foundation
import PoolCore

extension GatewayConfiguration {
    /// Where the upstreams are and how the gateway talks to them.
    public struct UpstreamSettings: Sendable {
        public var ollamaURL = "https://ollama.com"
        public var openRouterURL = "https://openrouter.ai/api"
        public var disabledProviders: Set<ProviderID> = []
        public var openRouterReferer: String?
        public var openRouterTitle: String?
        /// Further attempts on other keys after the first one fails.
        public var maxRetries = 3
        public var connectTimeout: TimeInterval = 10
        /// Time allowed from sending a request until the upstream's response head arrives.
        public var firstByteTimeout: TimeInterval = 120
        /// Longest silence allowed while reading an upstream answer (between stream chunks).
        public var streamIdleTimeout: TimeInterval = 120
        /// Concurrent connections per upstream host.
        public var connectionsPerHost = 1024
        /// Seconds a fetched model list is served from the cache; 0 turns the cache off.
        public var modelCacheTTL: TimeInterval = 300
        /// `PROVIDERS_FILE`: the operator's provider definitions (JSON, or TOML by the `.toml` extension).
        public var providersFile: String?
        /// `ROUTE_BY_MODEL`: an un-prefixed `/v1/...` request for a model the `ollama` pool does not serve goes to
        /// the first provider whose keys (or aliases) serve it.
        public var routeByModel = false

        public init() {}

        /// The upstream base URL of a provider (requests go to `{base}/v1/...`).
        public func baseURL(for provider: ProviderID) -> String {
            let base = provider == .openrouter ? openRouterURL : ollamaURL
            return base.hasSuffix("/") ? String(base.dropLast()) : base
        }

        public func isEnabled(_ provider: ProviderID) -> Bool { !disabledProviders.contains(provider) }
    }

    /// Largest bodies the gateway accepts and relays, in bytes.
    public struct Limits: Sendable {
        /// Largest request body the gateway accepts.
        public var maxBodyBytes = 8 * 1024 * 1024
        /// Largest admin import request (key files).
        public var maxImportBytes = 64 * 1024 * 1024
        /// Largest non-streamed upstream answer the gateway relays.
        public var maxUpstreamResponseBytes = 64 * 1024 * 1024
        /// Largest request head: the header fields' bytes (names, values and separators) and their number.
        public var maxHeaderBytes = 32 * 1024
        public var maxHeaderCount = 100
        /// Longest request URI (path and query).
        public var maxURIBytes = 8 * 1024
        /// Seconds a client connection may stay open without a request before it is closed; 0 keeps it open.
        public var idleTimeout: TimeInterval = 60
        /// Seconds a client has, from connecting or from the first byte of a request, to send the whole request
        /// head; then the connection is closed (slow-header attacks). 0 turns the deadline off.
        public var headerTimeout: TimeInterval = 10
        /// Most client connections open at once; 0 derives it from the open-file limit at start, which also caps
        /// any value given (``ConnectionGate/effectiveLimit(configured:openFileLimit:)``).
        public var maxConnections = 0

        public init() {}
    }

    /// Serving HTTPS directly: a PEM certificate chain and its private key, both re-read on SIGHUP.
    public struct TLSFiles: Sendable {
        public var certificateFile: String?
        public var keyFile: String?

        public init() {}

        /// Whether the gateway serves TLS (both files given).
        public var isEnabled: Bool { certificateFile != nil && keyFile != nil }
    }

    /// The store and how often memory is written to it.
    public struct Persistence: Sendable {
        public var databaseURL = "sqlite:./data/pool.sqlite"
        /// Any secret string; the AES key for secrets at rest is derived from it.
        public var encryptionKey: String?
        /// How often traffic counters and key health are written to the store.
        public var flushInterval: TimeInterval = 1
        /// How often per-key counters are written (a crash, unlike a shutdown, can lose this much of them). A
        /// minute: with 100,000 busy keys each write updates ~80,000 rows, ~0.5 s of a core on the bench's machine,
        /// which every ten seconds took 5 % of the core the requests run on.
        public var keyStatsFlushInterval: TimeInterval = 60

        public init() {}
    }
}
