import HTTPTypes
import NIOHTTP1
import NIOHTTPTypesHTTP1
import PoolCore

/// Every proxied route, in one table: OpenAI-compatible `/v1/...` (also `/ollama/v1/...` and `/openrouter/v1/...`),
/// Anthropic-compatible `/v1/messages`, and Ollama's native `/api/...`. `Proxy/Front/ProxyFrontHandler` takes the
/// requests this table matches off the connection before Hummingbird sees them; every other request (a proxied
/// path with another method included) goes on to Hummingbird's router, which answers 404 in the path's dialect.
enum ProxyRoutes {
    static let openAIPrefixes: [(path: String, provider: ProviderID)] = [
        ("v1", .ollama), ("ollama/v1", .ollama), ("openrouter/v1", .openrouter),
    ]

    /// Ollama's native endpoints: name, method, and whether a request without `stream` streams.
    static let nativeEndpoints: [(name: String, method: ProxyRoute.Method, streams: Bool)] = [
        ("chat", .post, true), ("generate", .post, true), ("embed", .post, false), ("embeddings", .post, false),
        ("show", .post, false), ("tags", .get, false), ("version", .get, false), ("ps", .get, false),
    ]

    /// The OpenAI-compatible endpoints that take a POST under each prefix.
    static let openAIPostEndpoints = ["chat/completions", "completions", "embeddings"]

    /// Every route under its path without the leading slash, e.g. `v1/chat/completions`.
    static let byPath: [String: ProxyRoute] = {
        var table: [String: ProxyRoute] = [:]
        for (prefix, provider) in openAIPrefixes {
            for endpoint in openAIPostEndpoints {
                table[prefix + "/" + endpoint] = ProxyRoute.openAI(provider, "/v1/" + endpoint)
            }
            table[prefix + "/models"] = ProxyRoute.openAI(provider, "/v1/models", method: .get)
            if provider == .ollama { table[prefix + "/messages"] = ProxyRoute.anthropic(provider) }
        }
        for endpoint in nativeEndpoints {
            table["api/" + endpoint.name] = ProxyRoute.ollamaNative(
                endpoint.name, method: endpoint.method, streamsByDefault: endpoint.streams)
        }
        return table
    }()

    /// The route and the request target (path and query) when `head` is a proxied request. The head is not
    /// converted to HTTP types (that cost 12,000 instructions a request); only an absolute-form target is, for
    /// its path as the conversion (and so Hummingbird's router) reads it.
    static func match(_ head: HTTPRequestHead, secure: Bool) -> (route: ProxyRoute, target: String)? {
        let uri = head.uri
        if uri.utf8.first == UInt8(ascii: "/") {
            let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { Substring(uri.utf8[..<$0]) } ?? Substring(uri)
            guard let route = route(method: head.method, path: path) else { return nil }
            return (route, uri)
        }
        guard let request = try? HTTPRequest(head, secure: secure, splitCookie: false), let target = request.path,
            let route = route(method: head.method, path: target[..<(target.firstIndex(of: "?") ?? target.endIndex)])
        else { return nil }
        return (route, target)
    }

    /// The route a request's method and path (without the query) name, or nil when it is no proxied route. Empty
    /// path segments are ignored, as Hummingbird's router ignores them (`/v1//models/` is `/v1/models`).
    static func route(method: HTTPMethod, path: Substring) -> ProxyRoute? {
        let wanted: ProxyRoute.Method
        switch method {
        case .POST: wanted = .post
        case .GET: wanted = .get
        default: return nil
        }
        let slash = UInt8(ascii: "/")
        let bytes = path.utf8
        guard bytes.first == slash else { return nil }
        // Bytes, not characters: this runs for every request.
        var doubled = bytes.last == slash
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == slash, previous == slash { doubled = true }
            previous = byte
        }
        let key =
            doubled
            ? path.split(separator: "/").joined(separator: "/") : String(Substring(bytes.dropFirst()))
        guard let route = byPath[key], route.method == wanted else { return nil }
        return route
    }

    /// The provider whose proxied route `path` is, or nil when it is no proxied route (for the statistics).
    static func provider(forPath path: String) -> ProviderID? {
        let path = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
        for (prefix, provider) in openAIPrefixes where path.hasPrefix(prefix + "/") {
            let endpoint = path.dropFirst(prefix.count + 1)
            if openAIPostEndpoints.contains(String(endpoint)) || endpoint == "models"
                || (provider == .ollama && endpoint == "messages")
            {
                return provider
            }
        }
        if path.hasPrefix("api/"), nativeEndpoints.contains(where: { $0.name == path.dropFirst(4) }) { return .ollama }
        return nil
    }
}
