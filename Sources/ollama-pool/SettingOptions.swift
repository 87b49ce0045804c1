import ArgumentParser
import Foundation
import Logging
import PoolCore
import PoolServer
import PoolStore

/// The settings every command takes: the environment first, then any setting given as a flag (`--port 8080`,
/// `--database-url sqlite:/var/pool.sqlite`). `ollama-pool settings` lists them; `serve --help` describes them.
struct SettingOptions: ParsableArguments {
    @Argument(
        parsing: .allUnrecognized,
        help: ArgumentHelp(
            "Any setting as a flag, e.g. --database-url URL (see `ollama-pool settings`).", valueName: "setting")
    )
    var flags: [String] = []

    /// The configuration from the environment with the flags applied on top.
    func configuration() throws -> GatewayConfiguration {
        do {
            var configuration = try GatewayConfiguration.fromEnvironment()
            try SettingFlags.apply(flags, to: &configuration)
            return configuration
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    func logger(_ configuration: GatewayConfiguration, label: String = "ollama-pool") -> Logger {
        LoggingBootstrap.once(level: configuration.logLevel, format: configuration.logFormat)
        var logger = Logger(label: label)
        logger.logLevel = configuration.logLevel
        return logger
    }

    /// Opens the gateway state for a one-off command, runs `body`, writes back and closes.
    func withGateway<T>(_ body: (Gateway) async throws -> T) async throws -> T {
        let configuration = try configuration()
        let gateway = try await Gateway.open(configuration: configuration, logger: logger(configuration))
        do {
            let result = try await body(gateway)
            await gateway.statsWriter.flush()
            try await gateway.store.close()
            return result
        } catch {
            try? await gateway.store.close()
            throw error
        }
    }
}

/// Logs go to stderr (through `GatewayLogging`, never blocking the caller), so command output on stdout stays
/// clean for scripts.
enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false

    static func once(level: Logger.Level, format: GatewayLogging.Format) {
        guard !done else { return }
        done = true
        GatewayLogging.bootstrap(format: format, level: level)
    }
}

/// Reads a `--provider` value, failing with the list of known providers.
enum ProviderOption {
    /// A `--provider` value checked against the gateway's live catalog (built-ins, `PROVIDERS_FILE`, the store).
    static func parse(_ name: String, in gateway: Gateway) throws -> ProviderID {
        do {
            return try ProviderAdministration(gateway: gateway).parse(name)
        } catch let error as GatewayError {
            throw ValidationError(error.message)
        }
    }
}
