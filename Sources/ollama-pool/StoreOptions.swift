import ArgumentParser
import Foundation
import Logging
import PoolCore
import PoolServer
import PoolStore

/// Options every command that opens the database shares. Flags win over environment variables.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "Database, e.g. sqlite:./data/pool.sqlite (env DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("encryption-key"), help: "Secret for encrypting upstream keys at rest (env ENCRYPTION_KEY).")
    var encryptionKey: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env LOG_LEVEL).")
    var logLevel: String?

    /// Environment overrides from the flags given, keyed by the environment variable they stand for.
    var overrides: [String: String] {
        var values: [String: String] = [:]
        values["DATABASE_URL"] = databaseURL
        values["ENCRYPTION_KEY"] = encryptionKey
        values["LOG_LEVEL"] = logLevel
        return values
    }

    /// The configuration from the environment with `extra` flag values applied on top.
    func configuration(extra: [String: String] = [:]) throws -> GatewayConfiguration {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(overrides) { _, flag in flag }
        environment.merge(extra) { _, flag in flag }
        do {
            return try GatewayConfiguration.fromEnvironment(environment)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    func logger(_ configuration: GatewayConfiguration, label: String = "ollama-pool") -> Logger {
        LoggingBootstrap.once(level: configuration.logLevel)
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

/// Logs go to stderr, so command output on stdout stays clean for scripts.
enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false

    static func once(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Reads a `--provider` value, failing with the list of known providers.
enum ProviderOption {
    static func parse(_ name: String) throws -> ProviderID {
        do {
            return try ProviderID.parse(name)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
