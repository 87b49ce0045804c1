import Foundation
import HTTPTypes
import NIOHTTP1

/// Which headers cross the gateway in each direction.
enum HeaderPolicy {
    /// Hop-by-hop headers (RFC 9110 §7.6.1) and those the gateway replaces; never forwarded upstream.
    static let notForwardedUpstream: [String] = [
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

    /// `notForwardedUpstream` by name length, as bytes: the proxy front checks every client header against it
    /// without lower-casing or hashing the name.
    private static let notForwardedByLength: [[[UInt8]]] = {
        var table = [[[UInt8]]](repeating: [], count: 32)
        for name in notForwardedUpstream + ["origin"] { table[name.utf8.count].append(Array(name.utf8)) }
        return table
    }()

    /// `relayedDownstream` by name length, as bytes with the lower-case name the client gets: every upstream
    /// header is checked against it without lower-casing or hashing the name.
    private static let relayedByLength: [[(bytes: [UInt8], name: String)]] = {
        var table = [[(bytes: [UInt8], name: String)]](repeating: [], count: 32)
        for name in relayedDownstream { table[name.utf8.count].append((Array(name.utf8), name)) }
        return table
    }()

    /// Prefixes of names never forwarded: the gateway's own, the browser's fetch metadata, CORS.
    private static let notForwardedPrefixes: [[UInt8]] = [
        Array("x-pool-".utf8), Array("sec-".utf8), Array("access-control-".utf8),
    ]

    /// Adds the client's end-to-end headers to `headers`, names as the client wrote them: not the hop-by-hop ones
    /// (those RFC 9110 §7.6.1 names and those the client's `Connection` names), not credentials, not the gateway's
    /// own, and not a field whose value holds a control character (the upstream connection does not check the
    /// headers it sends again). Returns whether the client sent a content type. The fields go into a plain list,
    /// made into `HTTPHeaders` once: `HTTPHeaders.add` walks every name to check it is ASCII (~360 instructions a
    /// field), and these names are NIO's parser's, which takes only token characters.
    static func addUpstreamHeaders(from client: HTTPHeaders, to headers: inout [(String, String)]) -> Bool {
        var namedInConnection: [String] = []
        for (name, value) in client where equalsIgnoringCase(name, "connection") {
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingCharacters(in: .whitespaces).lowercased()
                if !trimmed.isEmpty { namedInConnection.append(trimmed) }
            }
        }
        var hasContentType = false
        for (name, value) in client {
            if isNotForwarded(name) { continue }
            if !namedInConnection.isEmpty, namedInConnection.contains(where: { equalsIgnoringCase(name, $0) }) {
                continue
            }
            if holdsControlCharacter(value) { continue }
            if !hasContentType, equalsIgnoringCase(name, "content-type") { hasContentType = true }
            headers.append((name, value))
        }
        return hasContentType
    }

    /// A byte below 0x20 other than tab, or DEL.
    private static func holdsControlCharacter(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in bytes.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7f } }
    }

    private static func isNotForwarded(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            if bytes.count < notForwardedByLength.count {
                for candidate in notForwardedByLength[bytes.count] where equalsIgnoringCase(bytes, candidate) {
                    return true
                }
            }
            for prefix in notForwardedPrefixes where bytes.count >= prefix.count {
                if equalsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[..<prefix.count]), prefix) { return true }
            }
            return false
        }
    }

    /// ASCII case-insensitive equality of `name` and the lower-case `lowercase`.
    static func equalsIgnoringCase(_ name: String, _ lowercase: String) -> Bool {
        guard name.utf8.count == lowercase.utf8.count else { return false }
        var name = name
        var lowercase = lowercase
        return name.withUTF8 { bytes in lowercase.withUTF8 { equalsIgnoringCase(bytes, $0) } }
    }

    private static func equalsIgnoringCase(_ name: UnsafeBufferPointer<UInt8>, _ lowercase: [UInt8]) -> Bool {
        lowercase.withUnsafeBufferPointer { equalsIgnoringCase(name, $0) }
    }

    /// Compares byte by byte, folding `A`-`Z` of `name` only: `lowercase` is lower-case already.
    private static func equalsIgnoringCase(
        _ name: UnsafeBufferPointer<UInt8>, _ lowercase: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        guard name.count == lowercase.count else { return false }
        for index in 0..<name.count {
            let byte = name[index]
            let folded = byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
            if folded != lowercase[index] { return false }
        }
        return true
    }

    /// The upstream answer's headers the client sees, names in lower case; the upstream's `x-request-id` as
    /// `x-upstream-request-id`.
    static func downstreamHeaders(from upstream: HTTPHeaders) -> ResponseHeaderList {
        var fields = ResponseHeaderList()
        for (name, value) in upstream {
            var bytes = name
            let relayed: String? = bytes.withUTF8 { bytes in
                guard bytes.count < relayedByLength.count else { return nil }
                return relayedByLength[bytes.count].first(where: { equalsIgnoringCase(bytes, $0.bytes) })?.name
            }
            if let relayed {
                fields.add(relayed, value)
            } else if equalsIgnoringCase(name, "x-request-id") {
                fields.add("x-upstream-request-id", value)
            }
        }
        return fields
    }
}
