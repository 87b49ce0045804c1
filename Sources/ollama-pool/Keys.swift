import ArgumentParser
import Foundation
import PoolCore
import PoolServer

/// `ollama-pool keys ...`: import and list upstream keys in the configured database.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage upstream API keys.",
        subcommands: [Add.self, Import.self, List.self, SetPlacement.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Import keys from a file: one per line, username----key, email----password----session----key, or a JSON array."
        )

        @Argument(help: "The file to import ('-' reads standard input).") var file: String
        @Option(help: "Provider the keys belong to (default: ollama).") var provider = "ollama"
        @Option(help: "Time to live of the imported keys, in seconds (default: no expiry).") var ttl: Double?
        @OptionGroup var placement: KeyPlacementOptions
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let defaults = try placement.defaults()
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read \(file)")
                }
                text = String(decoding: data, as: UTF8.self)
            }
            let summary = try await settings.withGateway { gateway in
                let provider = try ProviderOption.parse(provider, in: gateway)
                let expiresAt = ttl.map { gateway.clock.now.addingTimeInterval($0) }
                return try await KeyImporter(pool: gateway.pool, store: gateway.store, clock: gateway.clock).importKeys(
                    defaults.apply(to: ImportParser.parse(text: text)), provider: provider, expiresAt: expiresAt)
            }
            print(
                "total \(summary.total), added \(summary.added), duplicates \(summary.duplicates), invalid \(summary.invalid.count)"
            )
            for problem in summary.invalid { print("  line \(problem.line): \(problem.reason)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (masked) with their status.")

        @Option(help: "Only this provider.") var provider: String?
        @Option(help: "Only keys in this status: active, cooling, disabled, invalid, expired.") var status: String?
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let status = try status.map { word -> KeyStatus in
                guard let status = KeyStatus(rawValue: word) else { throw ValidationError("unknown status '\(word)'") }
                return status
            }
            let views = try await settings.withGateway { gateway in
                try gateway.pool.views(provider: provider.map { try ProviderOption.parse($0, in: gateway) })
            }
            print(
                ["ID", "PROVIDER", "KEY", "STATUS", "USERNAME", "REQUESTS", "BASE_URL", "WEIGHT", "TIER"]
                    .joined(separator: "\t"))
            for view in views where status == nil || view.status == status {
                print(
                    [
                        view.id, view.provider.rawValue, view.maskedSecret, view.status.rawValue, view.username ?? "-",
                        String(view.stats.requests), view.baseURL ?? "-", String(view.placement.weight),
                        String(view.placement.tier),
                    ]
                    .joined(separator: "\t"))
            }
        }
    }
}
