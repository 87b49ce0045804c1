import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import PoolServer

@Suite("Web pages and assets")
struct WebTests {
    @Test("every page is served as HTML with a strong ETag, no-cache and a CSP that forbids inline script")
    func pages() async throws {
        try await withGateway { gateway in
            for path in ["/", "/dashboard", "/stats", "/api-docs"] {
                let reply = try await gateway.request(.GET, path)
                #expect(reply.status == 200, "\(path)")
                #expect(reply.header("content-type") == "text/html; charset=utf-8")
                let etag = try #require(reply.header("etag"))
                #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && !etag.hasPrefix("W/"))
                #expect(reply.header("cache-control") == "no-cache")
                let csp = try #require(reply.header("content-security-policy"))
                #expect(csp.contains("script-src 'self'") && csp.contains("default-src 'self'"))
                #expect(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"))
                #expect(reply.header("x-content-type-options") == "nosniff")
                #expect(reply.body.contains("<!doctype html>"))
            }
        }
    }

    @Test("If-None-Match with the current ETag answers 304 without a body")
    func notModified() async throws {
        try await withGateway { gateway in
            for path in ["/dashboard", "/assets/app.css", "/openapi.json"] {
                let first = try await gateway.request(.GET, path)
                let etag = try #require(first.header("etag"))
                let again = try await gateway.request(.GET, path, headers: ["if-none-match": etag])
                #expect(again.status == 304, "\(path)")
                #expect(again.body.isEmpty)
                #expect(again.header("etag") == etag)
                let weak = try await gateway.request(.GET, path, headers: ["if-none-match": "\"other\", W/\(etag)"])
                #expect(weak.status == 304)
                let stale = try await gateway.request(.GET, path, headers: ["if-none-match": "\"stale\""])
                #expect(stale.status == 200)
            }
        }
    }

    @Test("assets have their content types; pages link them by content hash, which makes them immutable")
    func assets() async throws {
        try await withGateway { gateway in
            let types = [
                "/assets/app.css": "text/css; charset=utf-8", "/assets/common.js": "text/javascript; charset=utf-8",
                "/assets/logo.svg": "image/svg+xml", "/openapi.json": "application/json; charset=utf-8",
            ]
            for (path, type) in types {
                let reply = try await gateway.request(.GET, path)
                #expect(reply.status == 200, "\(path)")
                #expect(reply.header("content-type") == type)
                #expect(reply.header("content-security-policy") == nil)
            }
            let page = try await gateway.request(.GET, "/dashboard")
            let version = try #require(WebAssets.bundled.version(of: "assets/dashboard.js"))
            #expect(page.body.contains("\"/assets/dashboard.js?v=\(version)\""))
            let pinned = try await gateway.request(.GET, "/assets/dashboard.js?v=\(version)")
            #expect(pinned.header("cache-control") == "public, max-age=31536000, immutable")
            let unpinned = try await gateway.request(.GET, "/assets/dashboard.js?v=old")
            #expect(unpinned.header("cache-control") == "no-cache")
        }
    }

    @Test("unknown assets and paths outside the web folder answer JSON 404s; other routes are untouched")
    func notFound() async throws {
        try await withGateway { gateway in
            for path in [
                "/assets/nope.js", "/assets/../Package.swift", "/assets/%2e%2e/openapi.json", "/nope", "/index.html",
            ] {
                let reply = try await gateway.request(.GET, path)
                #expect(reply.status == 404, "\(path)")
                #expect(reply.header("content-type")?.hasPrefix("application/json") == true)
                #expect(reply.json["error"] is String)
            }
            #expect(try await gateway.request(.GET, "/health").status == 200)
            #expect(try await gateway.request(.GET, "/admin/stats").status == 401)
            #expect(try await gateway.request(.GET, "/v1/models").status == 401)
        }
    }

    @Test("no shipped file has inline script, inline handlers, innerHTML or a foreign origin")
    func offlineAndSafe() throws {
        let files = WebAssets.bundled.files
        #expect(files.count >= 10)
        for (path, asset) in files where !path.hasSuffix(".json") {
            let text = String(buffer: asset.body)
            #expect(
                !text.contains("innerHTML") && !text.contains("outerHTML") && !text.contains("insertAdjacentHTML"),
                "\(path)")
            #expect(!text.contains("document.write") && !text.contains("eval("), "\(path)")
            // The only absolute URL allowed is the SVG namespace, which is a name and never fetched.
            let urls = text.components(separatedBy: "http").dropFirst().filter {
                !$0.hasPrefix("://www.w3.org/2000/svg")
            }
            #expect(
                urls.filter { $0.hasPrefix("://") || $0.hasPrefix("s://") }.isEmpty, "\(path) names an external URL")
            if path.hasSuffix(".html") {
                let scripts = text.components(separatedBy: "<script").dropFirst()
                #expect(
                    !scripts.isEmpty && scripts.allSatisfy { $0.prefix(while: { $0 != ">" }).contains("src=") },
                    "\(path)")
                #expect(
                    text.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil,
                    "\(path) has an inline handler")
                #expect(
                    text.range(of: #"\sstyle\s*="#, options: .regularExpression) == nil, "\(path) has an inline style")
            }
        }
    }

    @Test("openapi.json is an OpenAPI 3.1 document that lists the admin and public routes")
    func openAPI() async throws {
        try await withGateway { gateway in
            let reply = try await gateway.request(.GET, "/openapi.json")
            #expect(reply.json["openapi"] as? String == "3.1.0")
            let paths = try #require(reply.json["paths"] as? [String: Any])
            for path in [
                "/admin/public-stats", "/admin/api-keys", "/admin/tokens", "/v1/chat/completions", "/health",
                "/api/chat",
            ] {
                #expect(paths[path] != nil, "\(path)")
            }
        }
    }
}
