import Foundation

/// Endpoints (a key's own base URL) and placements (weight, tier) in imports: lines that start with a URL, and the
/// `base_url`, `weight` and `tier` fields of JSON objects.
extension ImportParser {
    /// Object fields that may hold the key's own base URL, in order of preference.
    static let baseURLFields = ["base_url", "url"]

    /// True when a line's first field is an `http://` or `https://` URL: the line names an endpoint.
    static func startsWithURL(_ field: Substring.UnicodeScalarView) -> Bool {
        // Most lines are keys: decide on the first character before making a string (100,000-line uploads).
        guard let first = field.first, first == "h" || first == "H" else { return false }
        let head = String(Substring(field.prefix(8))).lowercased()
        return head.hasPrefix("http://") || head == "https://"
    }

    /// A line whose first field is a URL: `URL` (a keyless endpoint) or `URL----key`.
    static func parseEndpointLine(_ fields: [Substring.UnicodeScalarView], line: Int) -> Outcome {
        guard fields.count <= 2 else {
            return .problem(
                ImportProblem(line: line, reason: "a line that starts with a URL must be URL or URL----key"))
        }
        let url = String(Substring(trimmed(fields[0])))
        do {
            try ProviderRules.validateBaseURL(url, field: "base URL")
        } catch {
            return .problem(ImportProblem(line: line, reason: error.message))
        }
        let key = fields.count == 2 ? trimmed(fields[1]) : Substring("").unicodeScalars
        // An endpoint without a key is a self-hosted server that needs none; a key it has must be a valid one.
        if !key.isEmpty, let reason = KeySecretRules.problem(in: key, fieldName: "key field") {
            return .problem(ImportProblem(line: line, reason: reason))
        }
        return .entry(
            ImportEntry(
                secret: String(Substring(key)), line: line, baseURL: ProviderRules.normalizedBaseURL(url)))
    }

    /// The base URL of an object entry: nil when absent, else validated and normalized; or a problem.
    static func objectBaseURL(_ object: [String: Any], line: Int) -> Result<String?, ImportProblem> {
        switch stringField(object, names: baseURLFields) {
        case .absent:
            return .success(nil)
        case .wrongType(let name, let value):
            return .failure(
                ImportProblem(line: line, reason: "\"\(name)\" must be a string, got \(typeDescription(value))"))
        case .string(let name, let value):
            let url = String(Substring(trimmed(Substring(value).unicodeScalars)))
            do {
                try ProviderRules.validateBaseURL(url, field: "\"\(name)\"")
            } catch {
                return .failure(ImportProblem(line: line, reason: error.message))
            }
            return .success(ProviderRules.normalizedBaseURL(url))
        }
    }

    /// The weight and tier of an object entry (defaults 1 and 1), or a problem naming the field out of range.
    static func objectPlacement(_ object: [String: Any], line: Int) -> Result<KeyPlacement, ImportProblem> {
        var values: [String: Int] = [:]
        for name in ["weight", "tier"] {
            guard let value = object[name], !(value is NSNull) else { continue }
            guard let number = integer(value) else {
                return .failure(
                    ImportProblem(line: line, reason: "\"\(name)\" must be an integer, got \(typeDescription(value))"))
            }
            values[name] = number
        }
        switch KeyPlacement.checked(weight: values["weight"], tier: values["tier"]) {
        case .success(let placement): return .success(placement)
        case .failure(let error): return .failure(ImportProblem(line: line, reason: error.message))
        }
    }

    /// A JSON number that is a whole number in `Int`'s range; nil for anything else, booleans included
    /// (JSONSerialization gives them as an `NSNumber` of type `c`).
    static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !(value is String) else { return nil }
        guard String(cString: number.objCType) != "c" else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 1e15 else { return nil }
        return Int(double)
    }
}
