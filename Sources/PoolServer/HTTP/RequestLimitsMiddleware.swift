import HTTPTypes
import NIOHTTP1
import Hummingbird

/// Refuses requests whose head is larger than the gateway accepts, before anything reads their body or forwards
/// them: 431 for too many header bytes or fields, 414 for an overlong URI, in the route's dialect. A proxied
/// request's headers go upstream, and an upstream that answers early to a huge header (as nginx, Cloudflare and
/// Python's `http.server` do with 431) used to leave the HTTP client in a state it traps on.
struct RequestLimitsMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let limits: GatewayConfiguration.Limits

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let refusal = refusal(request) { throw refusal }
        return try await next(request, context)
    }

    func refusal(_ request: Request) -> GatewayError? {
        Self.refusal(uri: request.uri.description, headers: request.headers, limits: limits)
    }

    /// The 414 or 431 for a request with this URI (path and query) and these headers, or nil when it is within
    /// `limits`; the proxy front asks the same question of proxied requests.
    static func refusal(uri: String, headers: HTTPFields, limits: GatewayConfiguration.Limits) -> GatewayError? {
        // Each field as it travels: name, ": ", value, CRLF.
        let headerBytes = headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count + 4 }
        return refusal(uri: uri, fieldCount: headers.count, headerBytes: headerBytes, limits: limits)
    }

    /// The same question of a head's counted fields: the proxy front's heads are counted by ``ClientHeadFields``.
    static func refusal(
        uri: String, fieldCount: Int, headerBytes: Int, limits: GatewayConfiguration.Limits
    ) -> GatewayError? {
        let uriBytes = uri.utf8.count
        if uriBytes > limits.maxURIBytes {
            return GatewayError(.uriTooLong, "request URI is \(uriBytes) bytes; the limit is \(limits.maxURIBytes)")
        }
        if fieldCount > limits.maxHeaderCount {
            return GatewayError(
                .requestHeaderFieldsTooLarge,
                "request has \(fieldCount) header fields; the limit is \(limits.maxHeaderCount)"
            )
        }
        if headerBytes > limits.maxHeaderBytes {
            return GatewayError(
                .requestHeaderFieldsTooLarge,
                "request headers are \(headerBytes) bytes; the limit is \(limits.maxHeaderBytes)"
            )
        }
        return nil
    }
}
