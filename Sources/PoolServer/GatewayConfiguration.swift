import Foundation
import Logging
import PoolCore

/// Everything the gateway can be configured with. Every item has an environment variable and a `serve` flag;
/// the README's configuration table lists them.
public struct GatewayConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 8080
    public var databaseURL = "sqlite:./data/pool.sqlite"
    /// The admin token in clear; when nil the stored hash (or a newly generated token) is used.
    public var adminToken: String?
    /// Any secret string; the AES key for secrets at rest is derived from it.
    public var encryptionKey: String?
    public var logLevel: Logger.Level = .info

    /// Further attempts on other keys after the first one fails.
    public var maxRetries = 3
    public var cooldown = CooldownPolicy()
    /// Largest request body the gateway accepts (bytes).
    public var maxBodyBytes = 8 * 1024 * 1024
    /// Largest admin import request (key files), in bytes.
    public var maxImportBytes = 64 * 1024 * 1024
    /// Largest non-streamed upstream answer the gateway relays (bytes).
    public var maxUpstreamResponseBytes = 64 * 1024 * 1024

    public var ollamaUpstreamURL = "https://ollama.com"
    public var openRouterUpstreamURL = "https://openrouter.ai/api"
    public var disabledProviders: Set<ProviderID> = []
    public var openRouterReferer: String?
    public var openRouterTitle: String?

    public var connectTimeout: TimeInterval = 10
    /// Time allowed from sending a request until the upstream's response head arrives.
    public var firstByteTimeout: TimeInterval = 120
    /// Longest silence allowed while reading an upstream answer (between stream chunks).
    public var streamIdleTimeout: TimeInterval = 120
    /// Concurrent connections per upstream host.
    public var upstreamConnectionsPerHost = 1024
    /// Seconds a fetched model list is served from the cache; 0 turns the cache off.
    public var modelCacheTTL: TimeInterval = 300
    /// How often traffic counters and key health are written to the store.
    public var flushInterval: TimeInterval = 1
    /// How often per-key counters are written (a crash, unlike a shutdown, can lose this much of them).
    public var keyStatsFlushInterval: TimeInterval = 10
    /// Probes, validated imports, health checks and automatic recovery.
    public var keyChecks = KeyCheckConfiguration()

    public init() {}

    /// The upstream base URL of a provider (requests go to `{base}/v1/...`).
    public func upstreamBaseURL(for provider: ProviderID) -> String {
        let base = provider == .openrouter ? openRouterUpstreamURL : ollamaUpstreamURL
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    public func isEnabled(_ provider: ProviderID) -> Bool { !disabledProviders.contains(provider) }

    /// Reads the configuration from environment variables, starting from the defaults.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GatewayConfiguration {
        var config = GatewayConfiguration()
        try config.apply(environment: environment)
        return config
    }

    /// Overrides fields with the environment variables that are set.
    public mutating func apply(environment env: [String: String]) throws {
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func integer(_ name: String, min: Int) throws -> Int? {
            guard let raw = value(name) else { return nil }
            guard let number = Int(raw), number >= min else {
                throw ConfigurationError("\(name) must be a whole number ≥ \(min), got \"\(raw)\"")
            }
            return number
        }
        func seconds(_ name: String, min: Double) throws -> TimeInterval? {
            guard let raw = value(name) else { return nil }
            guard let number = Double(raw), number.isFinite, number >= min else {
                throw ConfigurationError("\(name) must be a number of seconds ≥ \(min), got \"\(raw)\"")
            }
            return number
        }
        func flag(_ name: String) throws -> Bool? {
            guard let raw = value(name)?.lowercased() else { return nil }
            switch raw {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw ConfigurationError("\(name) must be true or false, got \"\(raw)\"")
            }
        }

        if let host = value("HOST") { self.host = host }
        if let port = try integer("PORT", min: 0) {
            guard port <= 65535 else { throw ConfigurationError("PORT must be at most 65535") }
            self.port = port
        }
        if let url = value("DATABASE_URL") { databaseURL = url }
        if let token = value("ADMIN_TOKEN") { adminToken = token }
        if let key = value("ENCRYPTION_KEY") { encryptionKey = key }
        if let level = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = parsed
        }
        if let retries = try integer("MAX_RETRIES", min: 0) { maxRetries = retries }
        if let threshold = try integer("FAILURE_THRESHOLD", min: 1) { cooldown.failureThreshold = threshold }
        if let disable = try seconds("DISABLE_SECONDS", min: 1) { cooldown.disableSeconds = disable }
        if let limit = try integer("MAX_BODY_BYTES", min: 1024) { maxBodyBytes = limit }
        if let limit = try integer("MAX_IMPORT_BYTES", min: 1024) { maxImportBytes = limit }
        if let url = value("OLLAMA_UPSTREAM_URL") { ollamaUpstreamURL = try Self.validatedURL(url, name: "OLLAMA_UPSTREAM_URL") }
        if let url = value("OPENROUTER_UPSTREAM_URL") {
            openRouterUpstreamURL = try Self.validatedURL(url, name: "OPENROUTER_UPSTREAM_URL")
        }
        if try flag("DISABLE_OLLAMA") == true { disabledProviders.insert(.ollama) }
        if try flag("DISABLE_OPENROUTER") == true { disabledProviders.insert(.openrouter) }
        if let referer = value("OPENROUTER_REFERER") { openRouterReferer = referer }
        if let title = value("OPENROUTER_TITLE") { openRouterTitle = title }
        if let timeout = try seconds("CONNECT_TIMEOUT", min: 0.1) { connectTimeout = timeout }
        if let timeout = try seconds("FIRST_BYTE_TIMEOUT", min: 0.1) { firstByteTimeout = timeout }
        if let timeout = try seconds("STREAM_IDLE_TIMEOUT", min: 0.1) { streamIdleTimeout = timeout }
        if let connections = try integer("UPSTREAM_CONNECTIONS", min: 1) { upstreamConnectionsPerHost = connections }
        if let ttl = try seconds("MODEL_CACHE_TTL", min: 0) { modelCacheTTL = ttl }
        if let concurrency = try integer("VALIDATION_CONCURRENCY", min: 1) { keyChecks.concurrency = concurrency }
        if let interval = try seconds("HEALTH_CHECK_INTERVAL", min: 0) {
            // A pass every few milliseconds would be a probe storm, not a schedule.
            guard interval == 0 || interval >= 1 else {
                throw ConfigurationError("HEALTH_CHECK_INTERVAL must be 0 (off) or at least 1 second, got \"\(interval)\"")
            }
            keyChecks.healthCheckInterval = interval
        }
        if let idle = try seconds("IDLE_PROBE_SECONDS", min: 0) { keyChecks.idleProbeSeconds = idle }
        if let timeout = try seconds("PROBE_TIMEOUT", min: 0.1) { keyChecks.probeTimeout = timeout }
        if let model = value("OLLAMA_PROBE_MODEL") { keyChecks.ollamaProbeModel = model }
        if let probe = value("OLLAMA_PROBE") {
            guard let kind = KeyCheckConfiguration.OllamaProbe.all.first(where: { $0.rawValue == probe.lowercased() }) else {
                throw ConfigurationError("OLLAMA_PROBE must be chat or models, got \"\(probe)\"")
            }
            keyChecks.ollamaProbe = kind
        }
    }

    static func validatedURL(_ text: String, name: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil
        else {
            throw ConfigurationError("\(name) must be an http:// or https:// URL, got \"\(text)\"")
        }
        return text
    }
}

/// A configuration value that cannot be used; the message names the setting.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
