import Foundation
import Hummingbird
import Logging
import NIOCore
import PoolCore

/// Builds the HTTP application around a loaded gateway: routes, middleware and the services that live with it.
/// - Parameter onServerRunning: called with the bound port once the server listens (tests bind to port 0).
public func buildApplication(
    gateway: Gateway,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = gateway.configuration
    let upstream = UpstreamClient(configuration: configuration)
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: CORSMiddleware(
        allowOrigin: .all,
        allowHeaders: [.accept, .authorization, .contentType, .origin, .xAPIKey, .xRequestID],
        allowMethods: [.get, .post, .put, .patch, .delete, .options, .head],
        exposedHeaders: ["x-request-id", "x-pool-key-id", "x-pool-attempts", "retry-after"],
        maxAge: .seconds(86_400)
    ))

    router.add(middleware: ErrorDialectMiddleware(maxBodyBytes: configuration.limits.maxBodyBytes))
    HealthRoutes(gateway: gateway).register(on: router)
    // Public: registered on the router itself, so the admin group's auth middleware does not apply.
    PublicStatsRoutes(gateway: gateway).register(on: router)
    WebRoutes(assets: .bundled).register(on: router)

    let admin = router.group("admin").add(middleware: AdminAuthMiddleware(credential: gateway.admin))
    AdminKeyRoutes(gateway: gateway).register(on: admin)
    AdminTokenRoutes(gateway: gateway).register(on: admin)
    AdminStatsRoutes(gateway: gateway).register(on: admin)
    AdminCacheRoutes(gateway: gateway).register(on: admin)
    let prober = KeyProber(client: upstream, configuration: configuration, clock: gateway.clock)
    let checker = KeyChecker(gateway: gateway, prober: prober)
    let jobs = JobRegistry(clock: { gateway.clock.now })
    let starter = KeyCheckJobs(gateway: gateway, checker: checker, jobs: jobs)
    AdminKeyCheckRoutes(gateway: gateway, starter: starter).register(on: admin)
    AdminBulkRoutes(gateway: gateway, starter: starter).register(on: admin)

    let engine = ProxyEngine(
        pool: gateway.pool, modelCache: gateway.modelCache, clock: gateway.clock, upstream: configuration.upstream,
        limits: configuration.limits,
        reporter: AttemptReporter(pool: gateway.pool, traffic: gateway.traffic, clock: gateway.clock, logger: gateway.logger),
        client: upstream
    )
    ProxyRoutes(engine: engine, tokens: gateway.tokens).register(on: router)

    var logger = Logger(label: "ollama-pool.http")
    logger.logLevel = configuration.logLevel
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ollama-api-pool"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
    // Services stop in reverse order: jobs and recovery stop before the HTTP client they probe with.
    app.addServices(
        StatsFlusher(
            gateway: gateway, interval: configuration.persistence.flushInterval, keyStatsInterval: configuration.persistence.keyStatsFlushInterval
        ), upstream, jobs,
        KeyRecoveryService(checker: checker, settings: configuration.keyChecks)
    )
    return app
}
