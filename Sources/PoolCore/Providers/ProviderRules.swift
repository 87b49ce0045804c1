/// What a provider definition may be. One rule set for the file, the admin API and the store's rows, so a
/// definition accepted anywhere is accepted everywhere.
public enum ProviderRules {
    /// First path segments the gateway itself serves; a provider named like one would shadow its routes.
    public static let reservedNames: Set<String> = [
        "v1", "api", "admin", "health", "metrics", "assets", "dashboard", "stats", "api-docs", "openapi",
        "static", "docs", "login", "web", "v2",
    ]

    /// Header fields the gateway owns on every upstream request; a definition may not set them.
    public static let reservedHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
        "authorization", "x-api-key", "proxy-authorization", "proxy-connection", "expect",
        // The gateway sets a POST body's type and the request id the logs correlate on.
        "content-type", "x-request-id",
    ]

    /// Longest name: it is a path segment and a label in metrics.
    public static let maxNameLength = 32

    /// Checks a definition; the error says which field is wrong and why, without echoing header values.
    public static func validate(_ definition: ProviderDefinition) throws(ProviderDefinitionError) {
        try validateName(definition.name.rawValue)
        try validateBaseURL(definition.baseURL, field: "base_url")
        guard definition.openAIPath.hasPrefix("/"), !definition.openAIPath.contains("?"),
            !definition.openAIPath.contains("#"), !definition.openAIPath.utf8.contains(where: isControlOrSpace)
        else {
            throw ProviderDefinitionError("openai_path must be a path starting with '/', e.g. /v1")
        }
        guard !definition.dialects.isEmpty else {
            throw ProviderDefinitionError("dialects must list at least one of openai, ollama, anthropic")
        }
        switch definition.probe {
        case .chat(let model) where model.isEmpty || model.count > 256:
            throw ProviderDefinitionError("probe.model must be a model name")
        case .keyInfo(let path) where !path.hasPrefix("/") || path.utf8.contains(where: isControlOrSpace):
            throw ProviderDefinitionError("probe.path must be a path starting with '/'")
        default: break
        }
        for (name, value) in definition.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw ProviderDefinitionError("headers: '\(name)' is not a valid header name")
            }
            guard !reservedHeaders.contains(name.lowercased()) else {
                throw ProviderDefinitionError("headers: '\(name)' is set by the gateway and may not be configured")
            }
            guard value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw ProviderDefinitionError("headers: the value of '\(name)' contains control characters")
            }
        }
        for (label, seconds) in [
            ("connect", definition.timeouts.connect), ("first_byte", definition.timeouts.firstByte),
            ("idle", definition.timeouts.idle),
        ] {
            if let seconds, !(seconds > 0 && seconds <= 86_400) {
                throw ProviderDefinitionError("timeouts.\(label) must be seconds between 0 and 86400")
            }
        }
        for (from, to) in definition.aliases where from.isEmpty || to.isEmpty || from.count > 256 || to.count > 256 {
            throw ProviderDefinitionError("aliases must map non-empty model names")
        }
    }

    /// A provider name: lower-case letters, digits, `-` and `_`, starting with a letter, not a reserved segment.
    public static func validateName(_ name: String) throws(ProviderDefinitionError) {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, first >= 0x61, first <= 0x7A, bytes.count <= maxNameLength,
            bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F })
        else {
            throw ProviderDefinitionError(
                "name must be 1–\(maxNameLength) lower-case letters, digits, '-' or '_', starting with a letter")
        }
        guard !reservedNames.contains(name) else {
            throw ProviderDefinitionError("name '\(name)' is a path the gateway serves itself")
        }
    }

    /// An absolute `http://` or `https://` URL with a host and no query or fragment; a trailing slash is allowed
    /// (`normalizedBaseURL` drops it).
    public static func validateBaseURL(_ url: String, field: String) throws(ProviderDefinitionError) {
        let lowered = url.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else if lowered.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else {
            throw ProviderDefinitionError("\(field) must be an http:// or https:// URL")
        }
        let authority = rest.prefix { $0 != "/" }
        // An IPv6 literal is bracketed (`[::1]:11434`); its colons are not the port's.
        let host =
            authority.hasPrefix("[")
            ? authority.prefix(through: authority.firstIndex(of: "]") ?? authority.index(before: authority.endIndex))
            : authority.prefix { $0 != ":" }
        if host.count < authority.count {
            // A port, when given, is what a connection can use: 1 to 65535.
            let port = authority.dropFirst(host.count + 1)
            guard authority.dropFirst(host.count).first == ":", !port.isEmpty, port.count <= 5,
                port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber),
                let number = Int(port), (1...65_535).contains(number)
            else {
                throw ProviderDefinitionError("\(field) has a port that is not a number from 1 to 65535")
            }
        }
        guard !host.isEmpty, !url.contains("?"), !url.contains("#"), !url.contains("@"),
            !url.utf8.contains(where: isControlOrSpace), url.utf8.count <= 2048
        else {
            throw ProviderDefinitionError("\(field) must be an http:// or https:// URL with a host and no query")
        }
    }

    /// The URL without trailing slashes, as requests append paths to it, with its scheme in lower case (`HTTP://h`
    /// and `http://h` are one server, and the upstream client reads only lower-case schemes).
    public static func normalizedBaseURL(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url = url.dropLast() }
        for scheme in ["https://", "http://"] where url.prefix(8).lowercased().hasPrefix(scheme) {
            return scheme + url.dropFirst(scheme.count)
        }
        return String(url)
    }

    private static func isControlOrSpace(_ byte: UInt8) -> Bool { byte <= 0x20 || byte == 0x7F }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

/// Why a provider definition was refused; the message is safe to show a client.
public struct ProviderDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
