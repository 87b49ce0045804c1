import HTTPTypes
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <ADMIN_TOKEN>`.
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let credential: AdminCredential

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let presented = BearerToken.from(request.headers) else {
            throw GatewayError(.unauthorized, "missing admin token: send Authorization: Bearer <ADMIN_TOKEN>")
        }
        guard credential.verify(presented) else {
            throw GatewayError(.unauthorized, "invalid admin token")
        }
        return try await next(request, context)
    }
}
