import ArgumentParser
import Foundation
import PoolCore
import PoolServer
import PoolStore

extension Tokens {
    /// `ollama-pool tokens update ID …`: changes a token's name, expiry or policy; a running gateway picks the
    /// change up from the store's change log within a second.
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a client token's name, expiry or policy (limits, quotas, models, cache, note).")

        @Argument(help: "The token's id (tok_…).") var id: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "Expire this many seconds from now (0: never).") var ttl: Double?
        @OptionGroup var policy: TokensPolicyOptions
        @Option(help: "Make a policy field unlimited/unset again (repeatable), e.g. --clear rpm.") var clear: [String] =
            []
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            if let ttl, ttl < 0 { throw ValidationError("--ttl must be 0 (never) or positive") }
            let updated = try await settings.withGateway { gateway -> ClientTokenRecord? in
                guard var record = gateway.tokens.entry(id: id)?.record else { return nil }
                if let name {
                    let trimmed = name.trimmingCharacters(in: .whitespaces)
                    guard !trimmed.isEmpty else { throw ValidationError("--name must not be empty") }
                    record.name = trimmed
                }
                if let ttl { record.expiresAt = ttl == 0 ? nil : gateway.clock.now.addingTimeInterval(ttl) }
                record.policy = try policy.applied(to: record.policy, clearing: clear)
                guard try await gateway.store.updateToken(record) else { return nil }
                return record
            }
            guard let updated else { throw ValidationError("no token with id \(id)") }
            print("updated \(updated.id): \(TokensPolicyOptions.summary(updated.policy))")
        }
    }
}
