import Foundation
import Logging
import PoolCore

/// Everything the gateway can be configured with. Every item has an environment variable and a `serve` flag;
/// the README's configuration table lists them.
public struct GatewayConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 8080
    /// The admin token in clear; when nil the stored hash (or a newly generated token) is used.
    public var adminToken: String?
    public var logLevel: Logger.Level = .info

    /// Where the upstreams are and how the gateway talks to them.
    public var upstream = UpstreamSettings()
    /// Largest bodies the gateway accepts and relays.
    public var limits = Limits()
    /// The store and how often memory is written to it.
    public var persistence = Persistence()
    /// When a failing key rests and for how long.
    public var cooldown = CooldownPolicy()
    /// Probes, validated imports, health checks and automatic recovery.
    public var keyChecks = KeyCheckConfiguration()

    public init() {}

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
        if let url = value("DATABASE_URL") { persistence.databaseURL = url }
        if let token = value("ADMIN_TOKEN") { adminToken = token }
        if let key = value("ENCRYPTION_KEY") { persistence.encryptionKey = key }
        if let level = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = parsed
        }
        if let retries = try integer("MAX_RETRIES", min: 0) { upstream.maxRetries = retries }
        if let threshold = try integer("FAILURE_THRESHOLD", min: 1) { cooldown.failureThreshold = threshold }
        if let disable = try seconds("DISABLE_SECONDS", min: 1) { cooldown.disableSeconds = disable }
        if let limit = try integer("MAX_BODY_BYTES", min: 1024) { limits.maxBodyBytes = limit }
        if let limit = try integer("MAX_IMPORT_BYTES", min: 1024) { limits.maxImportBytes = limit }
        if let url = value("OLLAMA_UPSTREAM_URL") { upstream.ollamaURL = try Self.validatedURL(url, name: "OLLAMA_UPSTREAM_URL") }
        if let url = value("OPENROUTER_UPSTREAM_URL") {
            upstream.openRouterURL = try Self.validatedURL(url, name: "OPENROUTER_UPSTREAM_URL")
        }
        if try flag("DISABLE_OLLAMA") == true { upstream.disabledProviders.insert(.ollama) }
        if try flag("DISABLE_OPENROUTER") == true { upstream.disabledProviders.insert(.openrouter) }
        if let referer = value("OPENROUTER_REFERER") { upstream.openRouterReferer = referer }
        if let title = value("OPENROUTER_TITLE") { upstream.openRouterTitle = title }
        if let timeout = try seconds("CONNECT_TIMEOUT", min: 0.1) { upstream.connectTimeout = timeout }
        if let timeout = try seconds("FIRST_BYTE_TIMEOUT", min: 0.1) { upstream.firstByteTimeout = timeout }
        if let timeout = try seconds("STREAM_IDLE_TIMEOUT", min: 0.1) { upstream.streamIdleTimeout = timeout }
        if let connections = try integer("UPSTREAM_CONNECTIONS", min: 1) { upstream.connectionsPerHost = connections }
        if let ttl = try seconds("MODEL_CACHE_TTL", min: 0) { upstream.modelCacheTTL = ttl }
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
