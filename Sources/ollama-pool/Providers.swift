import ArgumentParser
import Foundation
import PoolCore
import PoolServer

/// `ollama-pool providers ...`: the providers of the configured gateway (built-ins, `PROVIDERS_FILE`, and those
/// kept in the database); `add` and `remove` change the database's, which a running gateway picks up from the
/// store's change log within a second.
struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage upstream providers.",
        subcommands: [List.self, Add.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List providers: source, state, base URL, dialects and keys (header values are not shown).")

        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let listing = try await settings.withGateway { gateway in ProviderAdministration(gateway: gateway).listing()
            }
            print(["NAME", "SOURCE", "ENABLED", "BASE_URL", "DIALECTS", "KEYS", "ALIASES"].joined(separator: "\t"))
            for provider in listing {
                let definition = provider.definition
                print(
                    [
                        definition.name.rawValue, provider.source, String(definition.enabled), definition.baseURL,
                        definition.dialects.map(\.rawValue).joined(separator: ","),
                        String(provider.keys.values.reduce(0, +)), String(definition.aliases.count),
                    ]
                    .joined(separator: "\t"))
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a provider to the database (or give its whole definition as JSON with --json).")

        @Argument(help: "The provider's name: its path prefix (/NAME/v1/...).") var name: String?
        @Option(help: "The upstream's root, e.g. https://api.deepseek.com.") var baseURL: String?
        @Option(help: "Where the OpenAI-compatible API sits under the base URL (default /v1).") var openaiPath: String?
        @Option(help: "A dialect it serves: openai, ollama, anthropic (repeatable; default openai).")
        var dialect: [String] = []
        @Option(help: "How keys are checked: chat, models or key_info (default models).") var probe: String?
        @Option(help: "The model of a chat probe.") var probeModel: String?
        @Option(help: "The path of a key_info probe (default /v1/key).") var probePath: String?
        @Option(help: "A header added to every upstream request, 'Name: value' (repeatable).") var header: [String] = []
        @Option(help: "A model alias, client=upstream (repeatable).") var alias: [String] = []
        @Flag(help: "Add it disabled (its routes answer 404 until enabled).") var disabled = false
        @Option(help: "The whole definition as a JSON object (a file, or '-' for standard input).") var json: String?
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let definition = try self.definition()
            let listed = try await settings.withGateway { gateway in
                do {
                    return try await ProviderAdministration(gateway: gateway).create(definition)
                } catch let error as GatewayError {
                    throw ValidationError(error.message)
                }
            }
            print("added \(listed.definition.name) (\(listed.definition.baseURL))")
        }

        /// The definition the options (or `--json`) give; `ProviderAdministration` checks it.
        private func definition() throws -> ProviderDefinition {
            if let json {
                let data: Data?
                if json == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    data = FileManager.default.contents(atPath: json)
                }
                guard let data else { throw ValidationError("cannot read \(json)") }
                do {
                    return try JSONDecoder().decode(ProviderDefinition.self, from: data)
                } catch {
                    throw ValidationError("--json is not a provider definition: \(Self.describe(error))")
                }
            }
            guard let name, let baseURL else { throw ValidationError("give NAME and --base-url (or --json)") }
            var definition = ProviderDefinition(name: ProviderID(rawValue: name.lowercased()), baseURL: baseURL)
            if let openaiPath { definition.openAIPath = openaiPath }
            if !dialect.isEmpty {
                definition.dialects = try dialect.map { word in
                    guard let dialect = ProviderDialect(rawValue: word) else {
                        throw ValidationError("unknown dialect '\(word)'; use openai, ollama or anthropic")
                    }
                    return dialect
                }
            }
            switch probe {
            case nil, "models": definition.probe = .models
            case "chat":
                guard let probeModel else { throw ValidationError("a chat probe needs --probe-model") }
                definition.probe = .chat(model: probeModel)
            case "key_info": definition.probe = .keyInfo(path: probePath ?? "/v1/key")
            case let other?: throw ValidationError("unknown probe '\(other)'; use chat, models or key_info")
            }
            for line in header {
                guard let colon = line.firstIndex(of: ":") else {
                    throw ValidationError("--header must be 'Name: value'")
                }
                let field = line[..<colon].trimmingCharacters(in: .whitespaces)
                definition.headers[field] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            for pair in alias {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--alias must be client=upstream") }
                definition.aliases[parts[0]] = parts[1]
            }
            definition.enabled = !disabled
            return definition
        }

        /// A decoding error in words, naming the field (never a value: a header may hold a credential).
        private static func describe(_ error: any Error) -> String {
            guard let error = error as? DecodingError else { return "not valid JSON" }
            switch error {
            case .keyNotFound(let key, _): return "field '\(key.stringValue)' is required"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? "not a JSON object" : "field '\(path)' is wrong"
            @unknown default: return "not valid"
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a provider kept in the database.")

        @Argument(help: "The provider's name.") var name: String
        @Flag(help: "Delete its keys too (without it, a provider with keys is not removed).") var deleteKeys = false
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (removed, keys) = try await settings.withGateway { gateway in
                do {
                    return try await ProviderAdministration(gateway: gateway).delete(name, deleteKeys: deleteKeys)
                } catch let error as GatewayError {
                    throw ValidationError(
                        error.message.replacingOccurrences(of: "pass delete_keys=true", with: "pass --delete-keys"))
                }
            }
            print("removed \(removed)\(keys > 0 ? " and its \(keys) key(s)" : "")")
        }
    }
}
