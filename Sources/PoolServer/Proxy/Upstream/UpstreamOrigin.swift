import NIOCore

/// Where upstream requests go: scheme, host and port. Connections are pooled per origin (and per event loop).
struct UpstreamOrigin: Hashable, Sendable {
    let secure: Bool
    let host: String
    let port: Int
    /// The `Host` header for requests to this origin, made once rather than per request.
    let hostHeader: String

    init(secure: Bool, host: String, port: Int) {
        self.secure = secure
        self.host = host
        self.port = port
        let name = host.contains(":") ? "[\(host)]" : host
        self.hostHeader = port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// `hostHeader` follows from the rest: left out of equality and hashing (the pool looks origins up per request).
    static func == (lhs: UpstreamOrigin, rhs: UpstreamOrigin) -> Bool {
        lhs.port == rhs.port && lhs.secure == rhs.secure && lhs.host == rhs.host
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(secure)
    }

    /// The name sent in TLS's SNI extension: the host, unless it is an IP address (SNI carries names only; the
    /// certificate is then checked against the address).
    var serverName: String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// Splits an absolute `http(s)://host[:port][/path][?query]` URL into its origin and request target.
    static func split(_ url: String) -> (origin: UpstreamOrigin, target: String)? {
        let secure: Bool
        let rest: Substring
        if url.hasPrefix("https://") {
            secure = true
            rest = url.dropFirst(8)
        } else if url.hasPrefix("http://") {
            secure = false
            rest = url.dropFirst(7)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if let fragment = target.firstIndex(of: "#") { target = String(target[..<fragment]) }
        if target.isEmpty || target.first == "?" { target = "/" + target }
        guard !authority.contains("@") else { return nil }
        var host = authority
        var port = secure ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let given = Int(after.dropFirst()) else { return nil }
                port = given
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let given = Int(authority[authority.index(after: colon)...]) else { return nil }
            host = authority[..<colon]
            port = given
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        return (UpstreamOrigin(secure: secure, host: String(host), port: port), target)
    }
}
