import ArgumentParser
import Foundation
import Hummingbird
import PoolServer

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
