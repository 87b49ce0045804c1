/// What a string must be to be stored as an upstream key: the one rule set for imports, single adds and
/// `verify-key`. A key is rejected when it is empty, contains whitespace, control or invisible formatting
/// characters, or is shorter than ``minimumLength`` or longer than ``maximumLength`` Unicode scalars.
public enum KeySecretRules {
    /// Shortest key accepted; anything shorter is almost certainly a paste error, not a real secret.
    public static let minimumLength = 8
    /// Longest key accepted; guards the store and upstream headers against pasted garbage.
    public static let maximumLength = 512

    /// Why `key` cannot be stored, or `nil` if it can. Reasons name the offending code point but never echo the
    /// key, because these messages go back to clients and into logs.
    /// - Parameter fieldName: how the reason names an empty key's field (default: "key").
    public static func problem(in key: String, fieldName: String? = nil) -> String? {
        problem(in: Substring(key).unicodeScalars, fieldName: fieldName)
    }

    static func problem(in key: Substring.UnicodeScalarView, fieldName: String?) -> String? {
        if key.isEmpty {
            return fieldName.map { "\($0) is empty" } ?? "key is empty"
        }
        var length = 0
        for scalar in key {
            length += 1
            if scalar.properties.isWhitespace {
                return "key contains whitespace (\(codePoint(scalar)))"
            }
            switch scalar.properties.generalCategory {
            case .control:
                return "key contains a control character (\(codePoint(scalar)))"
            case .format, .lineSeparator, .paragraphSeparator:
                // Zero-width spaces and stray BOMs ride along with copy-paste and are invisible in any UI.
                return "key contains an invisible formatting character (\(codePoint(scalar)))"
            default:
                break
            }
        }
        if length < minimumLength {
            return "key is too short: \(length) characters, at least \(minimumLength) required"
        }
        if length > maximumLength {
            return "key is too long: \(length) characters, at most \(maximumLength) allowed"
        }
        return nil
    }

    /// `U+00A0`-style name of a scalar, for messages.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
