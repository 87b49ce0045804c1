import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PoolCore
import Testing

@testable import PoolServer

/// The admin token's failed-authentication lock-out per client IP, over real TCP on loopback (not exempt). The
/// router's context here knows the socket peer, as `RemoteAddressRequestContext` says; the gateway's own context
/// gains that with the proxy front's merge.
@Suite("Admin API: failed-authentication lock-out")
struct AdminLockoutTests {
    struct PeerContext: RequestContext, RemoteAddressRequestContext {
        var coreContext: CoreRequestContextStorage
        let remoteAddress: SocketAddress?

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            remoteAddress = source.channel.remoteAddress
        }
    }

    static let adminToken = "lockout-admin-token-0123456789"

    /// Answers the gateway's errors as `ErrorDialectMiddleware` does on `/admin` (that one is bound to the gateway's
    /// own context).
    struct AdminErrors: RouterMiddleware {
        func handle(
            _ request: Request, context: PeerContext, next: (Request, PeerContext) async throws -> Response
        ) async throws -> Response {
            do {
                return try await next(request, context)
            } catch let error as GatewayError {
                return error.response(in: .admin)
            }
        }
    }

    func withAdminApp(
        _ limits: ClientLimitsConfiguration, clock: any PoolClock,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let router = Router(context: PeerContext.self)
        router.add(middleware: AdminErrors())
        router.add(
            middleware: AdminAuthMiddleware(
                credential: AdminCredential(token: Self.adminToken), guards: ClientGuards(configuration: limits),
                clock: clock))
        router.get("admin/ping") { _, _ in "pong" }
        try await Application(router: router).test(.live) { client in try await body(client) }
    }

    func get(_ client: any TestClientProtocol, token: String, forwardedFor: String? = nil) async throws -> TestResponse
    {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
        return try await client.executeRequest(uri: "/admin/ping", method: .get, headers: headers, body: nil)
    }

    @Test("past AUTH_FAILURES_PER_MINUTE wrong tokens, even the right one gets 429 with Retry-After until the end")
    func lockout() async throws {
        var limits = ClientLimitsConfiguration()
        limits.authFailuresPerMinute = 3
        limits.authLockoutSeconds = 120
        let clock = ManualClock()
        try await withAdminApp(limits, clock: clock) { client in
            #expect(try await get(client, token: Self.adminToken).status == .ok)
            for _ in 0..<4 { #expect(try await get(client, token: "wrong-token").status == .unauthorized) }
            let locked = try await get(client, token: Self.adminToken)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "120")
            #expect(String(buffer: locked.body).contains("too many failed authentications"))
            #expect(!String(buffer: locked.body).contains(Self.adminToken))
            clock.advance(by: 119)
            #expect(try await get(client, token: Self.adminToken).status == .tooManyRequests)
            clock.advance(by: 1)
            #expect(try await get(client, token: Self.adminToken).status == .ok)
        }
    }

    @Test("AUTH_FAILURES_PER_MINUTE=0 turns the lock-out off")
    func off() async throws {
        var limits = ClientLimitsConfiguration()
        limits.authFailuresPerMinute = 0
        try await withAdminApp(limits, clock: ManualClock()) { client in
            for _ in 0..<30 { _ = try await get(client, token: "wrong-token") }
            #expect(try await get(client, token: Self.adminToken).status == .ok)
        }
    }

    @Test(
        "behind a trusted proxy each X-Forwarded-For client is locked out on its own; without trust the header is ignored"
    )
    func trustedProxies() async throws {
        var limits = ClientLimitsConfiguration()
        limits.authFailuresPerMinute = 1
        limits.trustedProxies = try TrustedProxies.parse("127.0.0.1, ::1").get()
        try await withAdminApp(limits, clock: ManualClock()) { client in
            for _ in 0..<2 { _ = try await get(client, token: "wrong", forwardedFor: "203.0.113.1") }
            #expect(
                try await get(client, token: Self.adminToken, forwardedFor: "203.0.113.1").status == .tooManyRequests)
            // A client forging the left part of the header is still the address the proxy appended.
            #expect(
                try await get(client, token: Self.adminToken, forwardedFor: "203.0.113.9, 203.0.113.1").status
                    == .tooManyRequests)
            #expect(try await get(client, token: Self.adminToken, forwardedFor: "198.51.100.2").status == .ok)
        }
        limits.trustedProxies = TrustedProxies()
        try await withAdminApp(limits, clock: ManualClock()) { client in
            for _ in 0..<2 { _ = try await get(client, token: "wrong", forwardedFor: "203.0.113.1") }
            // The peer (loopback) is what failed: another claimed address does not help.
            #expect(
                try await get(client, token: Self.adminToken, forwardedFor: "198.51.100.2").status == .tooManyRequests)
        }
    }
}
