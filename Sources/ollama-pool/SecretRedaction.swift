import Foundation

/// Takes passwords out of database URLs in text the command line prints: its usage errors quote what was typed
/// (an unexpected argument, an unknown flag), which may be a `postgres://user:password@…` URL.
enum SecretRedaction {
    /// `scheme://user:password@` → `scheme://user:***@`, for every URL in `text`.
    static func redactingURLPasswords(_ text: String) -> String {
        guard text.contains("://") else { return text }
        return text.replacingOccurrences(
            of: #"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'"]*):[^\s@'"]*@"#, with: "$1:***@",
            options: .regularExpression)
    }
}
