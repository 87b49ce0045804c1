import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `GET /metrics`: every metric in the Prometheus text format. On the gateway's own port it needs
/// `Authorization: Bearer` with the admin token or `METRICS_TOKEN` (the admin token's failure limiter applies to
/// both); on `METRICS_PORT`, a listener of its own meant for a private network, it needs nothing and serves
/// nothing else.
struct MetricsRoutes {
    let metrics: GatewayMetrics

    /// The Prometheus text exposition format's media type.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// On the gateway's router, behind `auth`.
    func register(
        on router: Router<GatewayRequestContext>, auth: AdminAuthMiddleware<GatewayRequestContext>
    ) {
        router.group().add(middleware: auth).get("metrics") { _, _ in answer() }
    }

    /// On the `METRICS_PORT` listener's router: no auth.
    func register<Context: RequestContext>(onOpen router: Router<Context>) {
        router.get("metrics") { _, _ in answer() }
    }

    private func answer() -> Response {
        Response(
            status: .ok, headers: [.contentType: Self.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }

    /// The `METRICS_PORT` listener: `/metrics` without auth on `host:port`, run as one more service of the gateway.
    static func listener(
        metrics: GatewayMetrics, host: String, port: Int, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        MetricsRoutes(metrics: metrics).register(onOpen: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "ollama-api-pool-metrics"),
            logger: logger)
    }
}
