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
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
