import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web front end: `/` (login), `/dashboard`, `/stats`, `/api-docs`, `/openapi.json` and `/assets/...`, served
/// from memory with strong ETags, revalidation and, on pages, a Content-Security-Policy that allows only this
/// origin's scripts and styles (no inline script, no foreign origin).
///
/// `GET /` and `HEAD /` also answer the probe of Ollama's clients, which look for `Ollama is running` there: a
/// request whose `Accept` names types but not `text/html` (`application/json`, `*/*`) gets that text; a browser
/// (and a request without `Accept`) gets the login page.
struct WebRoutes {
    let assets: WebAssets
    /// Whether `/stats`, the public statistics page, is served (`PUBLIC_STATS`).
    var publicStats = true

    /// Page routes and the file each serves.
    static let pages: [(path: String, file: String)] = [
        ("/", "index.html"), ("/dashboard", "dashboard.html"), ("/stats", "stats.html"), ("/api-docs", "api-docs.html"),
        ("/openapi.json", "openapi.json"),
    ]

    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "font-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
    ].joined(separator: "; ")

    func register(on router: Router<GatewayRequestContext>) {
        for page in Self.pages where (publicStats || page.path != "/stats") && page.path != "/" {
            router.get(RouterPath(page.path)) { request, _ in try serve(page.file, request: request) }
        }
        router.get("/") { request, _ in try root(request) }
        router.head("/") { request, _ in
            let answer = try root(request)
            return Response(status: answer.status, headers: answer.headers)
        }
        router.get("assets/**") { request, context in try serve(assetPath(context), request: request) }
    }

    /// What an Ollama server answers on `/`.
    static let ollamaBanner = "Ollama is running"

    private func root(_ request: Request) throws -> Response {
        guard Self.wantsBanner(accept: request.headers[values: .accept]) else {
            return try serve("index.html", request: request)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/plain; charset=utf-8", .contentLength: String(Self.ollamaBanner.utf8.count),
                .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: Self.ollamaBanner)))
    }

    /// A client that says what it accepts and does not name HTML is no browser.
    static func wantsBanner(accept: [String]) -> Bool {
        !accept.isEmpty && !accept.contains { $0.lowercased().contains("text/html") }
    }

    private func assetPath(_ context: GatewayRequestContext) -> String {
        "assets/" + context.parameters.getCatchAll().joined(separator: "/")
    }

    private func serve(_ path: String, request: Request) throws -> Response {
        guard let asset = assets.files[path], !path.split(separator: "/").contains("..") else {
            throw GatewayError.notFound("no such page")
        }
        var headers: HTTPFields = [
            .eTag: asset.etag,
            .cacheControl: cacheControl(path, asset: asset, request: request),
            .xContentTypeOptions: "nosniff",
        ]
        if asset.isPage {
            headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
            headers[.xFrameOptions] = "DENY"
            headers[.referrerPolicy] = "no-referrer"
        }
        if let presented = request.headers[.ifNoneMatch], Self.matches(presented, etag: asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        headers[.contentLength] = String(asset.body.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.body))
    }

    /// Pages and unversioned requests revalidate every time (a 304 is cheap); an asset asked for by its current
    /// hash never changes, so the browser may keep it.
    private func cacheControl(_ path: String, asset: WebAsset, request: Request) -> String {
        if !asset.isPage, path.hasPrefix("assets/"), let wanted = request.uri.queryParameters.get("v"),
            wanted == assets.version(of: path)
        {
            return "public, max-age=31536000, immutable"
        }
        return "no-cache"
    }

    /// `If-None-Match` holds `*` or a list of (possibly weak) entity tags.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }
}
