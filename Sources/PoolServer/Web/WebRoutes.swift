import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web front end: `/` (login), `/dashboard`, `/stats`, `/api-docs`, `/openapi.json` and `/assets/...`, served
/// from memory with strong ETags, revalidation and, on pages, a Content-Security-Policy that allows only this
/// origin's scripts and styles (no inline script, no foreign origin).
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
        for page in Self.pages where publicStats || page.path != "/stats" {
            router.get(RouterPath(page.path)) { request, _ in try serve(page.file, request: request) }
        }
        router.get("assets/**") { request, context in try serve(assetPath(context), request: request) }
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
