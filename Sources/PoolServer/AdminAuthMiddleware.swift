import HTTPTypes
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <ADMIN_TOKEN>`.
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let credential: AdminCredential

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = BearerToken.from(request.headers) else {
            throw GatewayError(.unauthorized, "missing admin token: send Authorization: Bearer <ADMIN_TOKEN>")
        }
        guard credential.verify(presented) else {
            throw GatewayError(.unauthorized, "invalid admin token")
        }
        return try await next(request, context)
    }
}

/// Reads credentials the way every route accepts them.
enum BearerToken {
    /// The token from `Authorization: Bearer …` (scheme case-insensitive).
    static func from(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var text = Substring(value).utf8
        while let first = text.first, isBlank(first) { text.removeFirst() }
        while let last = text.last, isBlank(last) { text.removeLast() }
        let scheme = "bearer ".utf8
        guard text.count > scheme.count,
              zip(text, scheme).allSatisfy({ $0 | 0x20 == $1 })
        else { return nil }
        text.removeFirst(scheme.count)
        while let first = text.first, isBlank(first) { text.removeFirst() }
        return text.isEmpty ? nil : String(Substring(text))
    }
}
