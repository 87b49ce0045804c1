import ArgumentParser
import Foundation
import PoolCore
import PoolServer

extension Keys {
    /// `ollama-pool keys add [KEY] [--base-url URL] [--weight N] [--tier N]`: one key, or a keyless server.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add one key (or, with --base-url and no key, a self-hosted server without a secret).")

        @Argument(help: "The key ('-' reads it from standard input, so it stays out of the shell history).")
        var key: String?
        @Option(help: "Provider the key belongs to (default: ollama).") var provider = "ollama"
        @Option(help: "Who the key belongs to.") var username: String?
        @Option(help: "Time to live in seconds (default: no expiry).") var ttl: Double?
        @OptionGroup var placement: KeyPlacementOptions
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            if let ttl, ttl <= 0 { throw ValidationError("--ttl must be positive") }
            let defaults = try placement.defaults()
            var secret = key
            if key == "-" {
                secret = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            }
            let parsed: ImportParseResult
            do {
                parsed = try defaults.singleKey(secret: secret, username: username)
            } catch let error as GatewayError {
                throw ValidationError(
                    error.message.replacingOccurrences(
                        of: "field 'apiKey' is required", with: "give a key or --base-url"))
            }
            let summary = try await settings.withGateway { gateway in
                let provider = try ProviderOption.parse(provider, in: gateway)
                let expiresAt = ttl.map { gateway.clock.now.addingTimeInterval($0) }
                return try await KeyImporter(pool: gateway.pool, store: gateway.store, clock: gateway.clock).importKeys(
                    parsed, provider: provider, expiresAt: expiresAt)
            }
            guard let id = summary.addedIDs.first else { throw ValidationError("this key is already in the pool") }
            print(id)
        }
    }
}
