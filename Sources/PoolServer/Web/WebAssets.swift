import Crypto
import Foundation
import NIOCore

/// The pages, scripts, styles and OpenAPI document shipped as resources of the executable, read once at
/// startup. HTML pages reference assets as `/assets/NAME?v=HASH`, so an asset requested with its current hash can
/// be cached for good, and a new binary changes every URL whose file changed.
struct WebAssets: Sendable {
    /// Files by their path relative to the web folder, e.g. `dashboard.html`, `assets/common.js`.
    let files: [String: WebAsset]

    /// The assets bundled with the executable (SwiftPM's `Bundle.module`), or none when the bundle lacks them.
    static let bundled: WebAssets = {
        guard let folder = Bundle.module.url(forResource: "web", withExtension: nil) else {
            return WebAssets(files: [:])
        }
        return (try? load(from: folder)) ?? WebAssets(files: [:])
    }()

    /// Reads every file under `folder`; HTML pages get their asset references fingerprinted.
    static func load(from folder: URL) throws -> WebAssets {
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        var raw: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard path.hasPrefix(root.path + "/") else { continue }
            raw[String(path.dropFirst(root.path.count + 1))] = try Data(contentsOf: url)
        }
        var files: [String: WebAsset] = [:]
        var versions: [String: String] = [:]
        for (path, data) in raw where !path.hasSuffix(".html") {
            let digest = hash(data)
            versions[path] = String(digest.prefix(12))
            files[path] = WebAsset(
                body: ByteBuffer(bytes: data), contentType: contentType(for: path), etag: "\"\(digest)\"", isPage: false
            )
        }
        for (path, data) in raw where path.hasSuffix(".html") {
            var text = String(decoding: data, as: UTF8.self)
            // Longest names first, so `assets/a.js` never rewrites part of `assets/a.json`-like names.
            for (asset, version) in versions.sorted(by: { $0.key.count > $1.key.count })
            where asset.hasPrefix("assets/") {
                text = text.replacingOccurrences(of: "\"/\(asset)\"", with: "\"/\(asset)?v=\(version)\"")
            }
            let bytes = Data(text.utf8)
            files[path] = WebAsset(
                body: ByteBuffer(bytes: bytes), contentType: contentType(for: path), etag: "\"\(hash(bytes))\"",
                isPage: true)
        }
        return WebAssets(files: files)
    }

    /// The short content hash that HTML pages put in an asset's URL.
    func version(of path: String) -> String? {
        guard let asset = files[path] else { return nil }
        return String(asset.etag.dropFirst().prefix(12))
    }

    static func hash(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined().prefix(32).description
    }

    static func contentType(for path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) ?? "" {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
