import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PoolServer
import PoolStore

/// `ollama-pool serve`: runs the gateway until SIGINT/SIGTERM, then drains in-flight requests and flushes.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the default command).")

    @OptionGroup var store: StoreOptions

    @Option(help: "Address to listen on (env HOST, default 0.0.0.0).") var host: String?
    @Option(help: "Port to listen on (env PORT, default 8080).") var port: Int?
    @Option(name: .customLong("admin-token"), help: "Admin token (env ADMIN_TOKEN; generated on first start if unset).")
    var adminToken: String?
    @Option(name: .customLong("max-retries"), help: "Further attempts on other keys (env MAX_RETRIES, default 3).")
    var maxRetries: Int?
    @Option(name: .customLong("failure-threshold"), help: "Consecutive failures that disable a key (env FAILURE_THRESHOLD, default 3).")
    var failureThreshold: Int?
    @Option(name: .customLong("disable-seconds"), help: "First automatic disable window (env DISABLE_SECONDS, default 3600).")
    var disableSeconds: Double?
    @Option(name: .customLong("max-body-bytes"), help: "Largest accepted request body (env MAX_BODY_BYTES, default 8388608).")
    var maxBodyBytes: Int?
    @Option(name: .customLong("ollama-upstream-url"), help: "Ollama base URL (env OLLAMA_UPSTREAM_URL, default https://ollama.com).")
    var ollamaUpstreamURL: String?
    @Option(name: .customLong("openrouter-upstream-url"), help: "OpenRouter base URL (env OPENROUTER_UPSTREAM_URL, default https://openrouter.ai/api).")
    var openRouterUpstreamURL: String?
    @Flag(name: .customLong("disable-ollama"), help: "Turn the Ollama provider off (env DISABLE_OLLAMA).")
    var disableOllama = false
    @Flag(name: .customLong("disable-openrouter"), help: "Turn the OpenRouter provider off (env DISABLE_OPENROUTER).")
    var disableOpenRouter = false
    @Option(name: .customLong("openrouter-referer"), help: "HTTP-Referer sent to OpenRouter (env OPENROUTER_REFERER).")
    var openRouterReferer: String?
    @Option(name: .customLong("openrouter-title"), help: "X-Title sent to OpenRouter (env OPENROUTER_TITLE).")
    var openRouterTitle: String?
    @Option(name: .customLong("connect-timeout"), help: "Seconds to connect upstream (env CONNECT_TIMEOUT, default 10).")
    var connectTimeout: Double?
    @Option(name: .customLong("first-byte-timeout"), help: "Seconds until the upstream's response head (env FIRST_BYTE_TIMEOUT, default 120).")
    var firstByteTimeout: Double?
    @Option(name: .customLong("stream-idle-timeout"), help: "Longest upstream silence in seconds (env STREAM_IDLE_TIMEOUT, default 120).")
    var streamIdleTimeout: Double?
    @Option(name: .customLong("upstream-connections"), help: "Connections per upstream host (env UPSTREAM_CONNECTIONS, default 1024).")
    var upstreamConnections: Int?
    @Option(name: .customLong("model-cache-ttl"), help: "Seconds model lists are cached, 0 = off (env MODEL_CACHE_TTL, default 300).")
    var modelCacheTTL: Double?
    @Option(name: .customLong("max-import-bytes"), help: "Largest admin import body (env MAX_IMPORT_BYTES, default 67108864).")
    var maxImportBytes: Int?
    @Option(name: .customLong("validation-concurrency"), help: "Most key probes at once (env VALIDATION_CONCURRENCY, default 16).")
    var validationConcurrency: Int?
    @Option(name: .customLong("probe-timeout"), help: "Seconds a key probe may take (env PROBE_TIMEOUT, default 20).")
    var probeTimeout: Double?
    @Option(name: .customLong("ollama-probe"), help: "How Ollama keys are probed: chat or models (env OLLAMA_PROBE, default chat).")
    var ollamaProbe: String?
    @Option(name: .customLong("ollama-probe-model"), help: "Model of the chat probe (env OLLAMA_PROBE_MODEL, default gpt-oss:20b).")
    var ollamaProbeModel: String?
    @Option(name: .customLong("health-check-interval"), help: "Seconds between recovery passes, 0 = off (env HEALTH_CHECK_INTERVAL, default 600).")
    var healthCheckInterval: Double?
    @Option(name: .customLong("idle-probe-seconds"), help: "Probe active keys unused this long, 0 = off (env IDLE_PROBE_SECONDS, default 86400).")
    var idleProbeSeconds: Double?

    func run() async throws {
        var extra: [String: String] = [:]
        extra["HOST"] = host
        extra["PORT"] = port.map(String.init)
        extra["ADMIN_TOKEN"] = adminToken
        extra["MAX_RETRIES"] = maxRetries.map(String.init)
        extra["FAILURE_THRESHOLD"] = failureThreshold.map(String.init)
        extra["DISABLE_SECONDS"] = disableSeconds.map { String($0) }
        extra["MAX_BODY_BYTES"] = maxBodyBytes.map(String.init)
        extra["OLLAMA_UPSTREAM_URL"] = ollamaUpstreamURL
        extra["OPENROUTER_UPSTREAM_URL"] = openRouterUpstreamURL
        if disableOllama { extra["DISABLE_OLLAMA"] = "true" }
        if disableOpenRouter { extra["DISABLE_OPENROUTER"] = "true" }
        extra["OPENROUTER_REFERER"] = openRouterReferer
        extra["OPENROUTER_TITLE"] = openRouterTitle
        extra["CONNECT_TIMEOUT"] = connectTimeout.map { String($0) }
        extra["FIRST_BYTE_TIMEOUT"] = firstByteTimeout.map { String($0) }
        extra["STREAM_IDLE_TIMEOUT"] = streamIdleTimeout.map { String($0) }
        extra["UPSTREAM_CONNECTIONS"] = upstreamConnections.map(String.init)
        extra["MODEL_CACHE_TTL"] = modelCacheTTL.map { String($0) }
        extra["MAX_IMPORT_BYTES"] = maxImportBytes.map(String.init)
        extra["VALIDATION_CONCURRENCY"] = validationConcurrency.map(String.init)
        extra["PROBE_TIMEOUT"] = probeTimeout.map { String($0) }
        extra["OLLAMA_PROBE"] = ollamaProbe
        extra["OLLAMA_PROBE_MODEL"] = ollamaProbeModel
        extra["HEALTH_CHECK_INTERVAL"] = healthCheckInterval.map { String($0) }
        extra["IDLE_PROBE_SECONDS"] = idleProbeSeconds.map { String($0) }
        let configuration = try store.configuration(extra: extra)
        let logger = store.logger(configuration)
        let gateway = try await Gateway.open(configuration: configuration, logger: logger)
        let app = buildApplication(gateway: gateway) { port in
            logger.notice("ollama-api-pool listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        }
        try await app.runService()
        try await gateway.store.close()
    }
}
