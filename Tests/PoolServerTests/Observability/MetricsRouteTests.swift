import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PoolCore
import Testing

@testable import PoolServer

/// `GET /metrics` over a real gateway: who may read it, `METRICS_PORT`, `METRICS_ENABLED`, and the counts after
/// known traffic through a mock upstream.
@Suite("Metrics: the /metrics route")
struct MetricsRouteTests {
    static let metricsToken = "metrics-scraper-token-0123456789"

    @Test("the admin token and METRICS_TOKEN may read it; none, a wrong one or a client token get a 401 in JSON")
    func auth() async throws {
        try await withGateway({ $0.metrics.token = Self.metricsToken }) { gateway in
            let clientToken = try await gateway.createToken()
            for token in [nil, "wrong-token-0000000000000000", clientToken] {
                let reply = try await gateway.request(.GET, "/metrics", token: token)
                #expect(reply.status == 401)
                #expect(reply.json["error"] is String)
                #expect(!reply.body.contains("pool_requests"))
            }
            for token in [gateway.adminToken, Self.metricsToken] {
                let reply = try await gateway.request(.GET, "/metrics", token: token)
                #expect(reply.status == 200)
                #expect(reply.header("content-type") == MetricsRoutes.contentType)
                #expect(MetricsText(reply.body).sum("pool_build_info") == 1)
            }
            // The metrics token opens nothing else.
            #expect(try await gateway.request(.GET, "/admin/stats", token: Self.metricsToken).status == 401)
        }
    }

    @Test("wrong tokens on /metrics count towards the admin lock-out")
    func lockout() async throws {
        try await withGateway({ $0.clientLimits.authFailuresPerMinute = 2 }) { gateway in
            // Past the limit (the third failure within the minute) the address is locked out.
            for _ in 0..<3 {
                #expect(
                    try await gateway.request(.GET, "/metrics", token: "wrong-token-0000000000000000").status == 401)
            }
            let locked = try await gateway.request(.GET, "/metrics", token: gateway.adminToken)
            #expect(locked.status == 429)
            #expect(locked.header("retry-after") != nil)
        }
    }

    @Test("METRICS_PORT serves /metrics without auth and nothing else; the main port still asks for a token")
    func ownListener() async throws {
        let port = try await Self.freePort()
        try await withGateway({ $0.metrics.port = port }) { gateway in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
            request.method = .GET
            let response = try await gateway.client.execute(request, timeout: .seconds(30))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 24))
            #expect(response.status == .ok)
            #expect(MetricsText(body).sum("pool_build_info") == 1)

            let other = try await gateway.client.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/admin/stats"), timeout: .seconds(30))
            #expect(other.status == .notFound)
            #expect(try await gateway.request(.GET, "/metrics").status == 401)
        }
    }

    @Test("METRICS_ENABLED=false: nothing is collected and /metrics is not found")
    func disabled() async throws {
        try await withGateway({ $0.metrics.enabled = false }) { gateway in
            #expect(gateway.gateway.metrics == nil)
            let reply = try await gateway.request(.GET, "/metrics", token: gateway.adminToken)
            #expect(reply.status == 404)
        }
    }

    @Test("METRICS_PORT equal to PORT is refused at start")
    func samePort() throws {
        var configuration = GatewayConfiguration()
        configuration.port = 9100
        configuration.metrics.port = 9100
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }

    /// A loopback port nobody listens on now (bound by the system, then let go).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}
