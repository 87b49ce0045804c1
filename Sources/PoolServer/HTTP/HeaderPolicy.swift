import Foundation
import HTTPTypes
import NIOHTTP1

/// Which headers cross the gateway in each direction.
enum HeaderPolicy {
    /// Hop-by-hop headers (RFC 9110 §7.6.1) and those the gateway replaces; never forwarded upstream.
    static let notForwardedUpstream: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "authorization", "x-api-key", "accept-encoding",
        "x-request-id", "cookie", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip",
        "http-referer", "x-title",
    ]

    /// Upstream answer headers relayed to the client.
    static let relayedDownstream: Set<String> = [
        "content-type", "content-encoding", "content-language", "content-disposition", "cache-control",
        "openai-processing-ms", "openai-version", "openai-model", "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
    ]

    /// The client's end-to-end headers, minus hop-by-hop ones, credentials and the gateway's own.
    static func upstreamHeaders(from client: HTTPFields) -> [(String, String)] {
        var headers: [(String, String)] = []
        headers.reserveCapacity(client.count + 4)
        // Headers the client named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1).
        let namedInConnection = client[values: .connection].flatMap { value in
            value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        }
        for field in client {
            let name = field.name.canonicalName
            if notForwardedUpstream.contains(name) || name.hasPrefix("x-pool-") { continue }
            if !namedInConnection.isEmpty, namedInConnection.contains(name) { continue }
            if name.hasPrefix("sec-") || name.hasPrefix("access-control-") || name == "origin" { continue }
            headers.append((name, field.value))
        }
        return headers
    }

    /// The upstream answer's headers the client sees, names in lower case; the upstream's `x-request-id` as
    /// `x-upstream-request-id`.
    static func downstreamHeaders(from upstream: HTTPHeaders) -> HTTPHeaders {
        var fields = HTTPHeaders()
        for (name, value) in upstream {
            let lowered = name.lowercased()
            if relayedDownstream.contains(lowered) {
                fields.add(name: lowered, value: value)
            } else if lowered == "x-request-id" {
                fields.add(name: "x-upstream-request-id", value: value)
            }
        }
        return fields
    }
}
