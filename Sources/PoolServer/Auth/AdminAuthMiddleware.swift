import HTTPTypes
import Hummingbird
import NIOCore
import PoolCore

/// Lets a request through only with `Authorization: Bearer <ADMIN_TOKEN>`. A wrong admin token counts against the
/// client IP (`AUTH_FAILURES_PER_MINUTE`); a locked-out IP gets 429 with `Retry-After` before its token is even
/// looked at, so guessing the admin token (the dashboard's login included) is throttled.
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let credential: AdminCredential
    let guards: ClientGuards
    let clock: any PoolClock
    /// A second token this middleware lets through (`METRICS_TOKEN` in front of `/metrics`), checked the same way.
    var alternative: AdminCredential? = nil

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let client = clientAddress(request, context: context)
        if let client, let wait = guards.authFailures.lockout(client, now: clock.now) {
            throw GatewayError(
                .tooManyRequests, "too many failed authentications from this address; try again in \(wait) s",
                headers: [.retryAfter: String(wait)])
        }
        guard let presented = BearerToken.from(request.headers) else {
            throw GatewayError(.unauthorized, "missing admin token: send Authorization: Bearer <ADMIN_TOKEN>")
        }
        guard credential.verify(presented) || alternative?.verify(presented) == true else {
            if let client { guards.authFailures.recordFailure(client, now: clock.now) }
            throw GatewayError(.unauthorized, "invalid admin token")
        }
        return try await next(request, context)
    }

    /// The client IP, when the context knows the socket peer (``RemoteAddressRequestContext``); behind a trusted
    /// proxy, the right-most untrusted `X-Forwarded-For` hop.
    private func clientAddress(_ request: Request, context: Context) -> String? {
        guard let peer = (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress else { return nil }
        return guards.clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor])
    }
}

extension HTTPField.Name {
    /// `X-Forwarded-For`, as reverse proxies append the address they saw.
    static var xForwardedFor: Self { Self("X-Forwarded-For")! }
}
