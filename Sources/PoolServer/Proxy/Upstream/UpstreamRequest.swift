import NIOCore
import NIOHTTP1

/// One request to an upstream: an absolute URL, method, end-to-end headers and the body. The client adds `Host`
/// and `Content-Length`.
struct UpstreamRequest: Sendable {
    var url: String
    var method: HTTPMethod = .GET
    var headers = HTTPHeaders()
    var body: ByteBuffer?
    /// A connect timeout of the request's own (a provider's), instead of the pool's.
    var connectTimeout: TimeAmount?

    init(url: String, method: HTTPMethod = .GET, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }

    /// The head as it goes on the wire to `origin`, for `target` (path and query).
    func head(origin: UpstreamOrigin, target: String) -> HTTPRequestHead {
        var headers = self.headers
        headers.replaceOrAdd(name: "host", value: origin.hostHeader)
        headers.remove(name: "transfer-encoding")
        if let body {
            headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        } else if method == .POST || method == .PUT || method == .PATCH {
            headers.replaceOrAdd(name: "content-length", value: "0")
        } else {
            headers.remove(name: "content-length")
        }
        return HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
    }
}
