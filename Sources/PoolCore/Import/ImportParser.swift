import Foundation

/// Turns pasted or uploaded key lists into ``ImportEntry`` values. Pure: no I/O, no store access.
///
/// Every import endpoint accepts every format, so the same content gives the same result whether it
/// arrives as text or as a JSON array of lines. Accepted line formats (fields separated by exactly `----`,
/// each field trimmed):
///
/// | fields | layout                                              | key   | username |
/// |--------|-----------------------------------------------------|-------|----------|
/// | 1      | `key`                                               | it    | none     |
/// | 2      | `username----key`                                   | last  | first    |
/// | 3      | `username----x----key`                              | last  | first    |
/// | 4      | `email----password----session----api_key`           | last  | first    |
/// | 5      | `email----password----session----something----key`  | last  | first    |
/// | 1      | `https://host:port` (a URL: a keyless endpoint)     | none  | none     |
/// | 2      | `https://host:port----key` (first field a URL)      | last  | none     |
///
/// A line whose first field is an `http://` or `https://` URL names an endpoint: a key with its own base URL
/// (a self-hosted server), whose key may be left out. JSON objects may carry `base_url` (or `url`), `weight`
/// (1…100) and `tier` (1…9); with a base URL the key field may be absent.
///
/// Lines are trimmed; blank lines and lines starting with `#` are skipped and not counted. A key must pass
/// ``KeySecretRules`` (an endpoint's empty key excepted); a base URL must pass `ProviderRules.validateBaseURL`.
public enum ImportParser {
    /// Most `----`-separated fields a line may have (the 5-field account export).
    public static let maximumFieldCount = 5

    /// Object fields that may hold the key, in order of preference.
    static let keyFields = ["api_key", "apiKey", "key"]
    /// Object fields that may hold the username, in order of preference.
    static let usernameFields = ["username", "email", "label"]

    /// Parses an uploaded or pasted document.
    ///
    /// Text is one entry per line (`\n`, `\r\n` or a lone `\r`), with a leading UTF-8 BOM ignored.
    /// If the first non-whitespace character is `[`, the whole text is instead read as a JSON array of
    /// strings (each one line) or objects, and `line` is then the 1-based index within that array.
    /// Text that starts with `[` but is not valid JSON yields one problem on line 1 and nothing else,
    /// because guessing at line-by-line meaning of broken JSON would import fragments of it as keys.
    public static func parse(text: String) -> ImportParseResult {
        var scalars = Substring(text).unicodeScalars
        if scalars.first == "\u{FEFF}" {
            scalars = scalars.dropFirst()
        }
        if scalars.first(where: { !$0.properties.isWhitespace }) == "[" {
            return parseJSONText(Substring(scalars))
        }

        var builder = ResultBuilder()
        // Scanning bytes rather than calling `components(separatedBy:)` keeps this linear and avoids
        // bridging through NSString, which matters for 100k-line uploads. CR and LF are ASCII, so every
        // cut lands on a scalar boundary and the UTF-8 indices are valid for the scalar view too.
        let utf8 = Substring(scalars).utf8
        var lineStart = utf8.startIndex
        var index = utf8.startIndex
        var lineNumber = 1
        while index != utf8.endIndex {
            let byte = utf8[index]
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else {
                utf8.formIndex(after: &index)
                continue
            }
            builder.add(parseLine(scalars[lineStart..<index], line: lineNumber))
            utf8.formIndex(after: &index)
            if byte == UInt8(ascii: "\r"), index != utf8.endIndex, utf8[index] == UInt8(ascii: "\n") {
                utf8.formIndex(after: &index)
            }
            lineStart = index
            lineNumber += 1
        }
        if lineStart != utf8.endIndex {
            builder.add(parseLine(scalars[lineStart..<utf8.endIndex], line: lineNumber))
        }
        return builder.result
    }

    /// Parses already-decoded JSON array elements, e.g. a request body's `keys` or `accounts` array.
    ///
    /// Elements are what `JSONSerialization` produces. A string element is read exactly like one text
    /// line (any format above; blank and `#` strings are skipped, so a client that splits a textarea into
    /// an array gets the same result as posting the text). An object takes its key from `api_key`,
    /// `apiKey` or `key` and its username from `username`, `email` or `label`; `null` counts as absent.
    /// Any other element is rejected. `line` is the element's 1-based index.
    public static func parse(jsonArray: [Any]) -> ImportParseResult {
        var builder = ResultBuilder()
        for (offset, element) in jsonArray.enumerated() {
            builder.add(parseElement(element, line: offset + 1))
        }
        return builder.result
    }

    // MARK: - Internals

    enum Outcome {
        case skipped
        case entry(ImportEntry)
        case problem(ImportProblem)
    }

    struct ResultBuilder {
        var result = ImportParseResult()

        mutating func add(_ outcome: Outcome) {
            switch outcome {
            case .skipped: break
            case .entry(let entry): result.entries.append(entry)
            case .problem(let problem): result.invalid.append(problem)
            }
        }
    }

    static func parseJSONText(_ text: Substring) -> ImportParseResult {
        let decoded: Any
        do {
            decoded = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [])
        } catch {
            return ImportParseResult(invalid: [
                ImportProblem(
                    line: 1, reason: "content looks like a JSON array but is not valid JSON: \(describe(error))")
            ])
        }
        // Unreachable with a leading '[' today, but a top-level non-array must not be read as zero keys.
        guard let array = decoded as? [Any] else {
            return ImportParseResult(invalid: [
                ImportProblem(
                    line: 1, reason: "content looks like a JSON array but is not valid JSON: top level is not an array")
            ])
        }
        return parse(jsonArray: array)
    }

    static func parseElement(_ element: Any, line: Int) -> Outcome {
        if let string = element as? String {
            return parseLine(Substring(string).unicodeScalars, line: line)
        }
        if let object = element as? [String: Any] {
            return parseObject(object, line: line)
        }
        return .problem(
            ImportProblem(
                line: line, reason: "expected a string or an object, got \(typeDescription(element))"
            ))
    }

    static func parseObject(_ object: [String: Any], line: Int) -> Outcome {
        let baseURL: String?
        switch objectBaseURL(object, line: line) {
        case .success(let url): baseURL = url
        case .failure(let problem): return .problem(problem)
        }
        let placement: KeyPlacement
        switch objectPlacement(object, line: line) {
        case .success(let value): placement = value
        case .failure(let problem): return .problem(problem)
        }
        let username: String?
        switch stringField(object, names: usernameFields) {
        case .absent: username = nil
        case .string(_, let value): username = nonEmpty(trimmed(Substring(value).unicodeScalars))
        case .wrongType(let name, let value):
            return .problem(
                ImportProblem(line: line, reason: "\"\(name)\" must be a string, got \(typeDescription(value))"))
        }

        switch stringField(object, names: keyFields) {
        case .absent:
            if baseURL != nil {
                return .entry(
                    ImportEntry(secret: "", username: username, line: line, baseURL: baseURL, placement: placement))
            }
            return .problem(ImportProblem(line: line, reason: "object has no \"api_key\", \"apiKey\" or \"key\" field"))
        case .wrongType(let name, let value):
            return .problem(
                ImportProblem(line: line, reason: "\"\(name)\" must be a string, got \(typeDescription(value))"))
        case .string(let name, let value):
            // No "----" splitting here: an object's key field is the key, whatever it contains.
            let key = trimmed(Substring(value).unicodeScalars)
            // An endpoint may have no key (a self-hosted server that needs none); any key given must be valid.
            let keyless = key.isEmpty && baseURL != nil
            if !keyless, let reason = KeySecretRules.problem(in: key, fieldName: "\"\(name)\"") {
                return .problem(ImportProblem(line: line, reason: reason))
            }
            return .entry(
                ImportEntry(
                    secret: String(Substring(key)), username: username, line: line, baseURL: baseURL,
                    placement: placement))
        }
    }

    enum FieldLookup {
        case absent
        case string(name: String, value: String)
        case wrongType(name: String, value: Any)
    }

    /// First field among `names` that is present and not `null`; exports often write `"label": null`.
    static func stringField(_ object: [String: Any], names: [String]) -> FieldLookup {
        for name in names {
            guard let value = object[name], !(value is NSNull) else { continue }
            if let string = value as? String {
                return .string(name: name, value: string)
            }
            return .wrongType(name: name, value: value)
        }
        return .absent
    }

    static func parseLine(_ raw: Substring.UnicodeScalarView, line: Int) -> Outcome {
        let content = trimmed(raw)
        guard let first = content.first, first != "#" else { return .skipped }

        let fields = splitFields(content)
        guard fields.count <= maximumFieldCount else {
            return .problem(
                ImportProblem(
                    line: line,
                    reason: "too many \"----\"-separated fields: \(fields.count), at most \(maximumFieldCount) allowed"
                ))
        }
        if startsWithURL(trimmed(fields[0])) {
            return parseEndpointLine(fields, line: line)
        }
        let key = trimmed(fields[fields.count - 1])
        if let reason = KeySecretRules.problem(in: key, fieldName: fields.count == 1 ? nil : "key field") {
            return .problem(ImportProblem(line: line, reason: reason))
        }
        let username = fields.count == 1 ? nil : nonEmpty(trimmed(fields[0]))
        return .entry(ImportEntry(secret: String(Substring(key)), username: username, line: line))
    }

    /// Splits on exactly four dashes, left to right without overlap, like `components(separatedBy:)`.
    /// So `a-----b` gives `a` and `-b`: a key's own single dashes survive, only a full `----` separates.
    static func splitFields(_ line: Substring.UnicodeScalarView) -> [Substring.UnicodeScalarView] {
        var fields: [Substring.UnicodeScalarView] = []
        var fieldStart = line.startIndex
        var runStart = line.startIndex
        var dashes = 0
        var index = line.startIndex
        while index != line.endIndex {
            if line[index] == "-" {
                if dashes == 0 { runStart = index }
                dashes += 1
                if dashes == 4 {
                    fields.append(line[fieldStart..<runStart])
                    fieldStart = line.index(after: index)
                    dashes = 0
                }
            } else {
                dashes = 0
            }
            line.formIndex(after: &index)
        }
        fields.append(line[fieldStart..<line.endIndex])
        return fields
    }

    /// Trims Unicode whitespace (including NBSP and newlines) from both ends without bridging to NSString.
    static func trimmed(_ scalars: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start != end, scalars[start].properties.isWhitespace {
            scalars.formIndex(after: &start)
        }
        while start != end {
            let before = scalars.index(before: end)
            guard scalars[before].properties.isWhitespace else { break }
            end = before
        }
        return scalars[start..<end]
    }

    static func nonEmpty(_ scalars: Substring.UnicodeScalarView) -> String? {
        scalars.isEmpty ? nil : String(Substring(scalars))
    }

    static func typeDescription(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is String: return "a string"
        // JSONSerialization hands booleans back as NSNumber, so the two cannot be told apart reliably.
        case is NSNumber, is Bool, is Int, is Double: return "a number or boolean"
        default: return "a value of type \(type(of: value))"
        }
    }

    /// Foundation's `localizedDescription` for JSON errors is generic on Linux; the debug description
    /// carries the useful part (what went wrong and where).
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String, !detail.isEmpty {
            return detail
        }
        return nsError.localizedDescription
    }
}
