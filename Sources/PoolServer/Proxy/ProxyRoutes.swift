import Foundation
import HTTPTypes
import NIOHTTP1
import NIOHTTPTypesHTTP1
import PoolCore

/// Every proxied route, in one table made from the provider catalog: the `ollama` provider's un-prefixed
/// OpenAI-compatible `/v1/...`, Anthropic-compatible `/v1/messages` and Ollama's native `/api/...`, and every
/// provider's own under its name (`/{name}/v1/...`, `/{name}/api/...`) for the dialects it serves.
/// `Proxy/Front/ProxyFrontHandler` takes the requests the table matches off the connection before Hummingbird sees
/// them; every other request (a proxied path with another method, an unknown or disabled provider's) goes on to
/// Hummingbird's router, which answers 404 in the path's dialect.
enum ProxyRoutes {
    /// Ollama's native endpoints: name, method, and whether a request without `stream` streams.
    static let nativeEndpoints: [(name: String, method: ProxyRoute.Method, streams: Bool)] = [
        ("chat", .post, true), ("generate", .post, true), ("embed", .post, false), ("embeddings", .post, false),
        ("show", .post, false), ("tags", .get, false), ("version", .get, false), ("ps", .get, false),
    ]

    /// The OpenAI-compatible endpoints that take a POST under each prefix.
    static let openAIPostEndpoints = ["chat/completions", "completions", "embeddings", "responses"]

    /// The placeholder of `GET /v1/models/{id}` in the table; a request's id replaces it.
    static let modelIDPlaceholder = "{id}"

    /// A dialect's endpoints for `provider`: their paths below the provider's prefix (e.g. `v1/chat/completions`).
    static func endpoints(of dialect: ProviderDialect, provider: ProviderID) -> [(path: String, route: ProxyRoute)] {
        switch dialect {
        case .openai:
            return openAIPostEndpoints.map { ("v1/" + $0, ProxyRoute.openAI(provider, "/v1/" + $0)) }
                + [
                    ("v1/models", ProxyRoute.openAI(provider, "/v1/models", method: .get)),
                    (
                        "v1/models/" + modelIDPlaceholder,
                        ProxyRoute.openAI(provider, "/v1/models/" + modelIDPlaceholder, method: .get)
                    ),
                ]
        case .anthropic:
            return [
                ("v1/messages", ProxyRoute.anthropic(provider)),
                ("v1/messages/count_tokens", ProxyRoute.anthropic(provider, "/v1/messages/count_tokens")),
            ]
        case .ollama:
            return nativeEndpoints.map {
                (
                    "api/" + $0.name,
                    ProxyRoute.ollamaNative(
                        $0.name, method: $0.method, streamsByDefault: $0.streams, provider: provider)
                )
            }
        }
    }

    /// Every route of `catalog` under its path without the leading slash, bound to its provider's definition. A
    /// built-in stays routed while it is turned off (its routes answer 503 `provider_disabled`, as they always
    /// have); an operator's provider that is off has no routes (404, as for an unknown one).
    static func table(for catalog: ProviderCatalog) -> [String: ProxyRoute] {
        var table: [String: ProxyRoute] = [:]
        for definition in catalog.definitions where definition.enabled || catalog.isBuiltIn(definition.name) {
            let upstream = ProviderUpstream(definition)
            for dialect in definition.dialects {
                for (path, route) in endpoints(of: dialect, provider: definition.name) {
                    let bound = route.bound(to: upstream)
                    table[definition.name.rawValue + "/" + path] = bound
                    if definition.name == .ollama {
                        var plain = bound
                        plain.isDefault = true
                        table[path] = plain
                    }
                }
            }
        }
        return table
    }

    /// The built-in presets' routes as the default settings make them, for callers without a catalog at hand.
    static let builtInTable: [String: ProxyRoute] = table(
        for: ProviderCatalog(builtIn: GatewayConfiguration().builtInProviders))

    /// The route and the request target (path and query) when `head` is a proxied request. The head is not
    /// converted to HTTP types (that cost 12,000 instructions a request); only an absolute-form target is, for
    /// its path as the conversion (and so Hummingbird's router) reads it.
    static func match(
        _ head: HTTPRequestHead, secure: Bool, routes: [String: ProxyRoute]
    ) -> (route: ProxyRoute, target: String)? {
        let uri = head.uri
        if uri.utf8.first == UInt8(ascii: "/") {
            let path = queryStart(in: uri).map { uri[..<$0] } ?? Substring(uri)
            guard let route = route(method: head.method, path: path, routes: routes) else { return nil }
            return (route, uri)
        }
        guard let request = try? HTTPRequest(head, secure: secure, splitCookie: false), let target = request.path,
            let route = route(
                method: head.method, path: target[..<(target.firstIndex(of: "?") ?? target.endIndex)], routes: routes)
        else { return nil }
        return (route, target)
    }

    /// The route a request's method and path (without the query) name, or nil when it is no proxied route. Empty
    /// path segments are ignored, as Hummingbird's router ignores them (`/v1//models/` is `/v1/models`).
    static func route(method: HTTPMethod, path: Substring, routes: [String: ProxyRoute]) -> ProxyRoute? {
        let wanted: ProxyRoute.Method
        switch method {
        case .POST: wanted = .post
        case .GET: wanted = .get
        default: return nil
        }
        let slash = UInt8(ascii: "/")
        // Over the bytes in place: this runs for every request.
        var path = path
        let key: String? = path.withUTF8 { bytes in
            guard bytes.first == slash else { return nil }
            let doubled =
                bytes.last == slash || (1..<bytes.count).contains { bytes[$0] == slash && bytes[$0 - 1] == slash }
            guard doubled else { return String(decoding: UnsafeBufferPointer(rebasing: bytes[1...]), as: UTF8.self) }
            return String(decoding: bytes, as: UTF8.self).split(separator: "/").joined(separator: "/")
        }
        guard let key else { return nil }
        if let route = routes[key] {
            return route.method == wanted ? route : nil
        }
        guard wanted == .get else { return nil }
        return modelLookup(key, routes: routes)
    }

    /// Where a request target's query begins (its `?`), found over the bytes in place.
    static func queryStart(in target: String) -> String.Index? {
        var target = target
        let offset: Int? = target.withUTF8 { bytes in bytes.firstIndex(of: UInt8(ascii: "?")) }
        return offset.map { target.utf8.index(target.utf8.startIndex, offsetBy: $0) }
    }

    /// `GET [/{name}]/v1/models/{id}`: the id is the rest of the path (OpenRouter's ids hold a slash).
    private static func modelLookup(_ key: String, routes: [String: ProxyRoute]) -> ProxyRoute? {
        guard let marker = key.range(of: "v1/models/"),
            marker.lowerBound == key.startIndex || key[key.index(before: marker.lowerBound)] == "/",
            marker.upperBound < key.endIndex,
            var route = routes[key[..<marker.upperBound] + modelIDPlaceholder]
        else { return nil }
        // Only `v1` directly below the provider's name (or at the root) counts.
        guard !key[..<marker.lowerBound].dropLast().contains("/") else { return nil }
        let id = key[marker.upperBound...]
        guard isPlainModelID(id) else { return nil }
        route.modelID = String(id)
        if let upstream = route.upstream { route.target = upstream.basePath + route.providerPath }
        return route
    }

    /// A model id that stays below `models/` upstream: no `.` or `..` segment and no encoded slash, backslash or
    /// dot (`%2f`, `%5c`, `%2e`), which an upstream's front might resolve into another endpoint called with the
    /// pool's key (`/v1/models/../key`).
    static func isPlainModelID(_ id: Substring) -> Bool {
        let segments = id.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.contains(where: { $0 == "." || $0 == ".." }) else { return false }
        let lowered = id.lowercased()
        return !lowered.contains("%2f") && !lowered.contains("%5c") && !lowered.contains("%2e") && !id.contains("\\")
    }

    /// The provider whose proxied route `path` is, or nil when it is no proxied route (for the statistics).
    static func provider(forPath path: String, routes: [String: ProxyRoute] = builtInTable) -> ProviderID? {
        var path = path.hasPrefix("/") ? Substring(path) : "/" + path
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        for method in [HTTPMethod.POST, .GET] {
            if let route = route(method: method, path: path, routes: routes) { return route.provider }
        }
        return nil
    }
}
