import Foundation
import PoolCore
import TOMLKit

/// `PROVIDERS_FILE`: the operator's provider definitions, `{"providers":[...]}` in JSON or `[[providers]]` tables
/// in TOML (by the `.toml` extension), with the wire's field names. Every definition is checked by
/// `ProviderRules`; anything wrong stops the start with a message naming the file, the provider and the field,
/// never a header value.
enum ProviderFile {
    private struct Contents: Decodable {
        var providers: [ProviderDefinition]
    }

    /// The file's definitions, checked, base URLs normalized.
    static func load(path: String) throws -> [ProviderDefinition] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("PROVIDERS_FILE \(path): cannot be read as UTF-8 text (\(reason(error)))")
        }
        return try parse(text, isTOML: path.lowercased().hasSuffix(".toml"), name: path)
    }

    /// Reads and checks a file's text; `name` is what messages call the file.
    static func parse(_ text: String, isTOML: Bool, name: String) throws -> [ProviderDefinition] {
        let contents: Contents
        do {
            // TOML is read as the same document in JSON, so both go through one decoder (and a TOML integer
            // reads as a number of seconds as JSON's does).
            let json = isTOML ? try TOMLTable(string: text).convert(to: .json) : text
            contents = try JSONDecoder().decode(Contents.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw ConfigurationError("PROVIDERS_FILE \(name): \(describe(error, text: text, isTOML: isTOML))")
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                "PROVIDERS_FILE \(name): not valid TOML at line \(error.source.begin.line): \(error.description)")
        } catch {
            throw ConfigurationError("PROVIDERS_FILE \(name): not valid \(isTOML ? "TOML" : "JSON")")
        }
        var seen = Set<ProviderID>()
        var definitions: [ProviderDefinition] = []
        for (index, var definition) in contents.providers.enumerated() {
            let label = "provider \(index + 1) ('\(definition.name.rawValue)')"
            do {
                try ProviderRules.validate(definition)
            } catch {
                throw ConfigurationError("PROVIDERS_FILE \(name): \(label): \(error.message)")
            }
            guard seen.insert(definition.name).inserted else {
                throw ConfigurationError("PROVIDERS_FILE \(name): \(label): the name is defined twice")
            }
            definition.baseURL = ProviderRules.normalizedBaseURL(definition.baseURL)
            definitions.append(definition)
        }
        return definitions
    }

    /// Where a decoding error is and what kind it is; the decoders' own texts are left out (they quote values).
    private static func describe(_ error: DecodingError, text: String, isTOML: Bool) -> String {
        func place(_ path: [any CodingKey]) -> String {
            var parts: [String] = []
            for key in path {
                if let index = key.intValue {
                    if parts.last == "providers" {
                        parts[parts.count - 1] = "provider \(index + 1)"
                    } else {
                        parts.append("[\(index)]")
                    }
                } else {
                    parts.append(key.stringValue)
                }
            }
            guard let first = parts.first else { return "the file" }
            return parts.count == 1 ? first : first + ": field '" + parts.dropFirst().joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let path = place(context.codingPath)
            let missing = key.stringValue
            return path == "the file" ? "'\(missing)' is missing" : "\(path): '\(missing)' is missing"
        case .typeMismatch(let type, let context):
            return "\(place(context.codingPath)): must be \(kind(of: type))"
        case .valueNotFound(let type, let context):
            return "\(place(context.codingPath)): must be \(kind(of: type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid \(isTOML ? "TOML" : "JSON")" }
            // Our own decoders' messages (an unknown probe kind, dialect) name no secret.
            let own = context.debugDescription.hasPrefix("unknown") ? ": " + context.debugDescription : " is invalid"
            return place(context.codingPath) + own
        @unknown default:
            return "cannot be read"
        }
    }

    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Double.Type, is Int.Type: return "a number"
        case is [Any].Type: return "a list"
        default: return "a table (object)"
        }
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? "no such file or no permission"
    }
}
