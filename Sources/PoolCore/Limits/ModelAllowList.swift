/// A token's model list, ready to match: exact names, and `prefix*` patterns (`*` alone allows every model).
public struct ModelAllowList: Sendable, Equatable {
    private let exact: Set<String>
    private let prefixes: [String]
    private let allowsAll: Bool

    /// - Parameter patterns: nil allows every model; an empty list allows none.
    public init(_ patterns: [String]?) {
        guard let patterns else {
            exact = []
            prefixes = []
            allowsAll = true
            return
        }
        var exact = Set<String>()
        var prefixes: [String] = []
        for pattern in patterns {
            if pattern.hasSuffix("*") {
                prefixes.append(String(pattern.dropLast()))
            } else {
                exact.insert(pattern)
            }
        }
        self.exact = exact
        self.prefixes = prefixes
        allowsAll = prefixes.contains("")
    }

    /// Whether the list leaves every model open.
    public var isOpen: Bool { allowsAll }

    /// Whether `model` may be asked for (names compare exactly, case included).
    public func allows(_ model: String) -> Bool {
        allowsAll || exact.contains(model) || prefixes.contains { model.hasPrefix($0) }
    }

    /// Why a list entry cannot be used, or nil: entries are non-empty, at most 200 characters, and `*` may only
    /// end a pattern.
    public static func problem(with pattern: String) -> String? {
        if pattern.isEmpty { return "model patterns must not be empty" }
        if pattern.count > 200 { return "model patterns must be at most 200 characters" }
        if pattern.dropLast().contains("*") { return "'*' may only end a model pattern ('prefix*')" }
        return nil
    }
}
