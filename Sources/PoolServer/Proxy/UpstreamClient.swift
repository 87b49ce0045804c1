import AsyncHTTPClient
import NIOCore
import ServiceLifecycle

/// The one HTTP client every upstream call goes through, shut down with the server once in-flight requests
/// have drained.
public final class UpstreamClient: Service, Sendable {
    let http: HTTPClient

    public init(settings: GatewayConfiguration.UpstreamSettings) {
        var client = HTTPClient.Configuration()
        client.timeout = .init(
            connect: .milliseconds(Int64(settings.connectTimeout * 1000)),
            read: .milliseconds(Int64(settings.streamIdleTimeout * 1000))
        )
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: settings.connectionsPerHost
        )
        // A refused connection should fail over to another key at once, not be retried until the connect timeout.
        pool.retryConnectionEstablishment = false
        client.connectionPool = pool
        client.decompression = .disabled
        client.redirectConfiguration = .disallow
        // No tracer is bootstrapped; without this the client still builds a no-op span per request.
        client.tracing.tracer = nil
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: client)
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await http.shutdown()
    }
}
