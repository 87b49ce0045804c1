/// Names an upstream provider. Built-in providers are constants; the set can grow without breaking callers.
public struct ProviderID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let ollama = ProviderID(rawValue: "ollama")
    public static let openrouter = ProviderID(rawValue: "openrouter")

    /// Every provider the gateway knows, in display order.
    public static let builtIn: [ProviderID] = [.ollama, .openrouter]

    /// The built-in provider with this name (case-insensitive), or nil for an unknown name.
    public static func named(_ name: String) -> ProviderID? {
        let lowered = name.lowercased()
        return builtIn.first { $0.rawValue == lowered }
    }

    /// The built-in provider with this name, or an error whose message lists the known ones.
    public static func parse(_ name: String) throws(UnknownProvider) -> ProviderID {
        guard let provider = named(name) else { throw UnknownProvider(name: name) }
        return provider
    }

    public var description: String { rawValue }
}

/// A provider name the gateway does not know.
public struct UnknownProvider: Error, CustomStringConvertible, Sendable {
    public var name: String
    /// The providers the gateway knows, for the message.
    public var known: [ProviderID]

    public init(name: String, known: [ProviderID] = ProviderID.builtIn) {
        self.name = name
        self.known = known
    }

    public var description: String {
        "unknown provider '\(name)'; use one of \(known.map(\.rawValue).joined(separator: ", "))"
    }
}
