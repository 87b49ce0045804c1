import ArgumentParser
import Foundation
import PoolCore
import PoolServer
import PoolStore

/// `ollama-pool tokens ...`: client tokens in the configured database.
struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage client tokens.",
        subcommands: [Create.self, List.self, Update.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a client token and print it (shown only once).")

        @Argument(help: "A name for the token.") var name: String
        @Option(help: "Time to live in seconds (default: no expiry).") var ttl: Double?
        @Option(help: "Limit the token to one provider (e.g. ollama, openrouter).") var provider: String?
        @OptionGroup var policy: TokensPolicyOptions
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            if let ttl, ttl <= 0 { throw ValidationError("--ttl must be positive") }
            let token = try await settings.withGateway { gateway in
                let scope = try provider.map { try ProviderOption.parse($0, in: gateway) }
                let now = gateway.clock.now
                // Flags win over the DEFAULT_TOKEN_* settings, as fields do in the admin API.
                let policy = try policy.applied(to: gateway.configuration.clientLimits.tokenDefaults)
                let (token, record) = ClientTokenFactory.make(
                    name: name, createdAt: now, expiresAt: ttl.map { now.addingTimeInterval($0) }, provider: scope,
                    policy: policy
                )
                try await gateway.store.insertToken(record)
                return (token, record.id)
            }
            print(token.0)
            FileHandle.standardError.write(Data("created token \(token.1) (\(name)); it is shown only once\n".utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List client tokens (prefix only).")

        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let entries = try await settings.withGateway { gateway in gateway.tokens.entries() }
            print(["ID", "NAME", "PREFIX", "PROVIDER", "EXPIRES", "REQUESTS", "POLICY"].joined(separator: "\t"))
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                let record = entry.record
                print(
                    [
                        record.id, record.name, record.prefix + "…", record.provider?.rawValue ?? "any",
                        record.expiresAt.map(formatter.string(from:)) ?? "never", String(entry.requestCount),
                        TokensPolicyOptions.summary(record.policy),
                    ]
                    .joined(separator: "\t"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a client token by id.")

        @Argument(help: "The token's id (tok_…).") var id: String
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let removed = try await settings.withGateway { gateway in try await gateway.store.deleteToken(id: id) }
            guard removed else { throw ValidationError("no token with id \(id)") }
            print("revoked \(id)")
        }
    }
}
