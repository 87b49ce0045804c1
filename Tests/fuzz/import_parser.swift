/// Fuzz target: `ImportParser.parse(text:)` over arbitrary bytes decoded as UTF-8 (invalid sequences become
/// U+FFFD, as an upload read with `String(decoding:as:)` would).
///
/// Asserts, besides "no crash, no ASan report":
/// - `total == entries.count + invalid.count` (documented on `ImportParseResult`), lines are ≥ 1 and increase
///   within `entries` and within `invalid`;
/// - every entry's secret passes `KeySecretRules.problem(in:)`, except an endpoint's empty one (a self-hosted
///   server without a key); every entry's base URL passes `ProviderRules.validateBaseURL` and is normalized;
///   every placement is in `KeyPlacement`'s ranges;
/// - the result equals a straightforward reference model written from `ImportParser`'s documentation: lines
///   split on `\n`, `\r\n` or `\r` after an optional BOM, trimmed, blank and `#` lines skipped, at most 5
///   `----`-separated fields with the key last and the username first, a first field that is an `http(s)://`
///   URL making the line an endpoint (`URL` or `URL----key`); or, when the first non-whitespace character is
///   `[`, the JSON array read by `JSONSerialization` element by element (string ⇒ one line, object ⇒
///   `base_url`/`url`, `weight`, `tier`, `api_key`/`apiKey`/`key` (optional with a base URL) and
///   `username`/`email`/`label`, anything else ⇒ a problem), and broken JSON ⇒ exactly one problem on line 1;
/// - no problem's reason contains the offending key when the key has ≥ 8 scalars (reasons never echo a key).
///   Keys made only of characters the parser's own wording uses (lowercase ASCII, digits, `U`, space and
///   `:,()"+-._`) are exempt, so a key that happens to spell part of a message is not taken for an echo.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImportParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = ImportParser.parse(text: text)

    guard result.total == result.entries.count + result.invalid.count else { fatalError("total disagrees") }
    checkIncreasing(result.entries.map(\.line), "entries")
    checkIncreasing(result.invalid.map(\.line), "invalid")
    for entry in result.entries {
        if !(entry.secret.isEmpty && entry.baseURL != nil), let reason = KeySecretRules.problem(in: entry.secret) {
            fatalError("entry on line \(entry.line) has a secret the rules refuse: \(reason)")
        }
        if let url = entry.baseURL {
            guard (try? ProviderRules.validateBaseURL(url, field: "base_url")) != nil,
                ProviderRules.normalizedBaseURL(url) == url
            else { fatalError("entry on line \(entry.line) has a base URL the rules refuse") }
        }
        guard KeyPlacement.weights.contains(entry.placement.weight), KeyPlacement.tiers.contains(entry.placement.tier)
        else { fatalError("entry on line \(entry.line) has a placement out of range") }
    }

    let expected = ReferenceImport.parse(text)
    guard result.entries == expected.entries else {
        fatalError("entries differ:\n  parser    \(result.entries)\n  reference \(expected.entries)")
    }
    guard result.invalid.map(\.line) == expected.problems.map(\.line) else {
        fatalError("problem lines differ: parser \(result.invalid.map(\.line)), reference \(expected.problems.map(\.line))")
    }
    if verbose { print("entries \(result.entries.count) invalid \(result.invalid.map(\.reason))") }
    for (problem, reference) in zip(result.invalid, expected.problems) {
        guard let key = reference.key, key.unicodeScalars.count >= 8, !key.unicodeScalars.allSatisfy(wordingScalars.contains) else {
            continue
        }
        // The standard library's search, not Foundation's `contains`: on Linux that one reports `")\0\0\0\0\0\0\0"`
        // inside "… (U+0000)" (and `range(of:)` a range past the end), NUL apparently ending the needle.
        if problem.reason.firstRange(of: key) != nil {
            fatalError("reason on line \(problem.line) echoes the key: \(problem.reason.debugDescription)")
        }
    }
    return 0
}

/// `FUZZ_VERBOSE=1` prints each result, to see what the seeds exercise.
let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] != nil

let wordingScalars = Set("abcdefghijklmnopqrstuvwxyz0123456789U :,()\"+-._".unicodeScalars)

func checkIncreasing(_ lines: [Int], _ list: String) {
    guard lines.allSatisfy({ $0 >= 1 }), zip(lines, lines.dropFirst()).allSatisfy({ $0 < $1 }) else {
        fatalError("\(list) lines not increasing from 1: \(lines)")
    }
}

/// The documented behaviour, written plainly over arrays of scalars.
enum ReferenceImport {
    struct Problem {
        var line: Int
        /// The text that was offered as the key, when there was one.
        var key: String?
    }

    enum Outcome {
        case skipped
        case entry(ImportEntry)
        case problem(Problem)
    }

    static func parse(_ text: String) -> (entries: [ImportEntry], problems: [Problem]) {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var outcomes: [Outcome] = []
        if scalars.first(where: { !$0.properties.isWhitespace }) == "[" {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            guard let array = try? JSONSerialization.jsonObject(with: Data(String(view).utf8)) as? [Any] else {
                return ([], [Problem(line: 1, key: nil)])
            }
            for (offset, element) in array.enumerated() {
                if let string = element as? String {
                    outcomes.append(line(Array(string.unicodeScalars), number: offset + 1))
                } else if let object = element as? [String: Any] {
                    outcomes.append(self.object(object, number: offset + 1))
                } else {
                    outcomes.append(.problem(Problem(line: offset + 1, key: nil)))
                }
            }
        } else {
            var current: [Unicode.Scalar] = []
            var number = 1
            var index = 0
            var pendingLine = false
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                if scalar == "\n" || scalar == "\r" {
                    if scalar == "\r", index < scalars.count, scalars[index] == "\n" { index += 1 }
                    outcomes.append(line(current, number: number))
                    current.removeAll()
                    number += 1
                    pendingLine = false
                } else {
                    current.append(scalar)
                    pendingLine = true
                }
            }
            if pendingLine { outcomes.append(line(current, number: number)) }
        }
        var entries: [ImportEntry] = []
        var problems: [Problem] = []
        for outcome in outcomes {
            switch outcome {
            case .skipped: break
            case .entry(let entry): entries.append(entry)
            case .problem(let problem): problems.append(problem)
            }
        }
        return (entries, problems)
    }

    static func line(_ raw: [Unicode.Scalar], number: Int) -> Outcome {
        let content = trim(raw)
        guard let first = content.first, first != "#" else { return .skipped }
        var fields: [[Unicode.Scalar]] = []
        var field: [Unicode.Scalar] = []
        var index = 0
        while index < content.count {
            if index + 4 <= content.count, content[index..<(index + 4)].allSatisfy({ $0 == "-" }) {
                fields.append(field)
                field = []
                index += 4
            } else {
                field.append(content[index])
                index += 1
            }
        }
        fields.append(field)
        if fields.count <= 5, isURL(trim(fields[0])) { return endpoint(fields, number: number) }
        let key = string(trim(fields[fields.count - 1]))
        guard fields.count <= 5, KeySecretRules.problem(in: key) == nil else {
            return .problem(Problem(line: number, key: key))
        }
        let username = fields.count == 1 ? nil : nonEmpty(trim(fields[0]))
        return .entry(ImportEntry(secret: key, username: username, line: number))
    }

    /// A first field that starts with `http://` or `https://`, in any case.
    static func isURL(_ field: [Unicode.Scalar]) -> Bool {
        let head = string(Array(field.prefix(8))).lowercased()
        return head.hasPrefix("http://") || head == "https://"
    }

    /// `URL` (no key) or `URL----key`; more fields, a URL the rules refuse or a key they refuse is a problem.
    static func endpoint(_ fields: [[Unicode.Scalar]], number: Int) -> Outcome {
        let key = fields.count == 2 ? string(trim(fields[1])) : ""
        guard fields.count <= 2 else { return .problem(Problem(line: number, key: string(trim(fields[fields.count - 1])))) }
        let url = string(trim(fields[0]))
        guard (try? ProviderRules.validateBaseURL(url, field: "url")) != nil else {
            return .problem(Problem(line: number, key: key.isEmpty ? nil : key))
        }
        guard key.isEmpty || KeySecretRules.problem(in: key) == nil else { return .problem(Problem(line: number, key: key)) }
        return .entry(ImportEntry(secret: key, line: number, baseURL: ProviderRules.normalizedBaseURL(url)))
    }

    static func object(_ object: [String: Any], number: Int) -> Outcome {
        func field(_ names: [String]) -> (found: Bool, value: String?) {
            for name in names {
                guard let value = object[name], !(value is NSNull) else { continue }
                return (true, value as? String)
            }
            return (false, nil)
        }
        let keyField = field(["api_key", "apiKey", "key"])
        let offered = keyField.value.map { string(trim(Array($0.unicodeScalars))) }
        let problem = Outcome.problem(Problem(line: number, key: offered))
        let urlField = field(["base_url", "url"])
        if urlField.found, urlField.value == nil { return problem }
        let baseURL = urlField.value.map { string(trim(Array($0.unicodeScalars))) }
        if let baseURL, (try? ProviderRules.validateBaseURL(baseURL, field: "base_url")) == nil { return problem }
        var placement = KeyPlacement()
        for name in ["weight", "tier"] {
            guard let value = object[name], !(value is NSNull) else { continue }
            // A whole JSON number; JSONSerialization gives booleans as NSNumber too (objCType "c").
            guard let number = value as? NSNumber, String(cString: number.objCType) != "c",
                number.doubleValue.rounded() == number.doubleValue, abs(number.doubleValue) < 1e15
            else { return problem }
            if name == "weight" { placement.weight = Int(number.doubleValue) } else { placement.tier = Int(number.doubleValue) }
        }
        guard KeyPlacement.weights.contains(placement.weight), KeyPlacement.tiers.contains(placement.tier) else {
            return problem
        }
        let username = field(["username", "email", "label"])
        if username.found, username.value == nil { return problem }
        if keyField.found, keyField.value == nil { return problem }
        let secret = offered ?? ""
        let keyless = secret.isEmpty && baseURL != nil
        guard keyless || (keyField.found && KeySecretRules.problem(in: secret) == nil) else { return problem }
        return .entry(ImportEntry(
            secret: secret, username: username.value.flatMap { nonEmpty(trim(Array($0.unicodeScalars))) }, line: number,
            baseURL: baseURL.map(ProviderRules.normalizedBaseURL), placement: placement
        ))
    }

    static func trim(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return [] }
        return Array(scalars[start...end])
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    static func nonEmpty(_ scalars: [Unicode.Scalar]) -> String? { scalars.isEmpty ? nil : string(scalars) }
}
