import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import PoolCore
import PoolStore

/// Builds the HTTP application around a loaded gateway: routes, middleware and the services that live with it.
/// - Parameter onServerRunning: called with the bound port once the server listens (tests bind to port 0).
public func buildApplication(
    gateway: Gateway,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    try buildApplication(gateway: gateway, observers: [], onServerRunning: onServerRunning)
}

/// ``buildApplication(gateway:onServerRunning:)`` with request observers of the caller's besides the gateway's own.
func buildApplication(
    gateway: Gateway, observers: [any RequestObserver],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let configuration = gateway.configuration
    // Read first: a start that fails here must not leave the upstream client behind unclosed.
    let certificates = configuration.tls.isEnabled ? try TLSCertificates(files: configuration.tls) : nil
    let upstream = UpstreamClient(settings: configuration.upstream)
    let serverName = "ollama-api-pool"
    let router = Router(context: GatewayRequestContext.self)
    router.add(
        middleware: CORSMiddleware(
            allowOrigin: .all,
            allowHeaders: [.accept, .authorization, .contentType, .origin, .xAPIKey, .xRequestID],
            allowMethods: [.get, .post, .put, .patch, .delete, .options, .head],
            exposedHeaders: ["x-request-id", "x-pool-key-id", "x-pool-attempts", "retry-after"],
            maxAge: .seconds(86_400)
        ))

    router.add(
        middleware: ErrorDialectMiddleware(
            maxBodyBytes: configuration.limits.maxBodyBytes,
            stats: StatsRecorder(traffic: gateway.traffic, clock: gateway.clock, providers: gateway.providers),
            providers: gateway.providers
        ))
    router.add(middleware: RequestLimitsMiddleware(limits: configuration.limits))
    // This instance among those sharing the store, and whether it runs the singleton work (recovery): for the
    // jobs' heartbeats, and for `/health` (`instance_id`, `leader`).
    let instance = InstanceIdentity.current(id: gateway.instanceID, port: configuration.port)
    let leadership = Leadership(lock: gateway.store.makeLeaderLock())
    HealthRoutes(gateway: gateway, leadership: leadership).register(on: router)
    // Public: registered on the router itself, so the admin group's auth middleware does not apply. Off with
    // PUBLIC_STATS=false: then `/stats` and `/admin/public-stats` are not found.
    if configuration.publicStats {
        PublicStatsRoutes(
            pool: gateway.pool, traffic: gateway.traffic, clock: gateway.clock, storage: gateway.store.kind,
            shared: gateway.sharedStats, providers: gateway.providers
        ).register(on: router)
    }
    WebRoutes(assets: .bundled, publicStats: configuration.publicStats).register(on: router)
    if let metrics = gateway.metrics {
        // The admin token or METRICS_TOKEN; wrong ones count against the client IP as for every admin route.
        var auth = AdminAuthMiddleware<GatewayRequestContext>(
            credential: gateway.admin, guards: gateway.guards, clock: gateway.clock)
        auth.alternative = configuration.metrics.token.map { AdminCredential(token: $0) }
        MetricsRoutes(metrics: metrics).register(on: router, auth: auth)
    }

    let admin = router.group("admin").add(
        middleware: AdminAuthMiddleware(credential: gateway.admin, guards: gateway.guards, clock: gateway.clock))
    AdminKeyRoutes(
        pool: gateway.pool, store: gateway.store, clock: gateway.clock, limits: configuration.limits,
        importer: KeyImporter(pool: gateway.pool, store: gateway.store, clock: gateway.clock), logger: gateway.logger,
        providers: gateway.providers
    ).register(on: admin)
    AdminProviderRoutes(
        administration: ProviderAdministration(gateway: gateway), limits: configuration.limits, logger: gateway.logger
    ).register(on: admin)
    AdminTokenRoutes(
        store: gateway.store, tokens: gateway.tokens, clock: gateway.clock, limits: configuration.limits,
        defaults: configuration.clientLimits.tokenDefaults, guards: gateway.guards, providers: gateway.providers
    ).register(on: admin)
    AdminStatsRoutes(
        pool: gateway.pool, tokens: gateway.tokens, traffic: gateway.traffic, clock: gateway.clock,
        shared: gateway.sharedStats, startedAt: gateway.startedAt, providers: gateway.providers
    ).register(on: admin)
    AdminRequestRoutes(log: gateway.requestLog, clock: gateway.clock, providers: gateway.providers).register(on: admin)
    AdminCacheRoutes(
        modelCache: gateway.modelCache, responseCache: gateway.guards.responseCache,
        responseCacheTTL: gateway.guards.responseCacheTTL, clock: gateway.clock,
        limits: configuration.limits, providers: gateway.providers
    ).register(on: admin)
    let prober = KeyProber(
        client: upstream, upstream: configuration.upstream, checks: configuration.keyChecks, clock: gateway.clock,
        providers: gateway.providers
    )
    let checker = KeyChecker(pool: gateway.pool, store: gateway.store, clock: gateway.clock, prober: prober)
    let jobs = JobRegistry(
        store: gateway.store, instance: instance, logger: gateway.logger, clock: { gateway.clock.now })
    let starter = KeyCheckJobs(
        checker: checker,
        importer: ValidatedImport(pool: gateway.pool, store: gateway.store, clock: gateway.clock, prober: prober),
        jobs: jobs, logger: gateway.logger
    )
    AdminKeyCheckRoutes(
        pool: gateway.pool, clock: gateway.clock, limits: configuration.limits, starter: starter,
        providers: gateway.providers
    ).register(on: admin)
    AdminBulkRoutes(
        pool: gateway.pool, store: gateway.store, limits: configuration.limits, logger: gateway.logger,
        starter: starter, providers: gateway.providers
    ).register(on: admin)

    // The proxied routes are served in front of the router (`Proxy/Front/ProxyFrontHandler`), not registered on it.
    let proxy = ProxyEngine(
        pool: gateway.pool, tokens: gateway.tokens, modelCache: gateway.modelCache, clock: gateway.clock,
        upstream: configuration.upstream, limits: configuration.limits,
        reporter: AttemptReporter(
            pool: gateway.pool, traffic: gateway.traffic, clock: gateway.clock, logger: gateway.logger),
        client: upstream, serverName: serverName, providers: gateway.providers,
        admission: ProxyAdmission(guards: gateway.guards, clock: gateway.clock),
        observers: GatewayObservers.make(gateway: gateway, extra: observers),
        logBodies: configuration.requestLog.logBodies
    )

    var logger = Logger(label: "ollama-pool.http")
    logger.logLevel = configuration.logLevel
    let gate = connectionGate(configuration: configuration, logger: gateway.logger)
    var app = Application(
        router: router,
        server: connectionServer(configuration: configuration, gate: gate, certificates: certificates, proxy: proxy),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: serverName,
            // At the cap the server stops accepting; a connection closing resumes it.
            availableConnectionsDelegate: MaximumAvailableConnections(gate.acceptLimit)
        ),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
    if let certificates {
        app.addServices(TLSReloadService(certificates: certificates, logger: gateway.logger))
    }
    if let metrics = gateway.metrics, configuration.metrics.port != 0 {
        app.addServices(
            MetricsRoutes.listener(
                metrics: metrics, host: configuration.host, port: configuration.metrics.port, logger: logger))
    }
    if configuration.requestLog.persists { app.addServices(RequestLogWriter(log: gateway.requestLog)) }
    // Services stop in reverse order: jobs and recovery stop before the HTTP client they probe with.
    app.addServices(
        StatsFlusher(
            writer: gateway.statsWriter, interval: configuration.persistence.flushInterval,
            // With PostgreSQL every instance's per-key counters are part of the shared totals: every flush.
            keyStatsInterval: gateway.store.kind == "postgres"
                ? configuration.persistence.flushInterval : configuration.persistence.keyStatsFlushInterval,
            metrics: gateway.metrics
        ), ChangeFeedService(gateway: gateway, interval: .seconds(1)), upstream,
        TokenLimitsService(
            tokens: gateway.tokens, store: gateway.store, clock: gateway.clock,
            flushInterval: configuration.persistence.flushInterval, leaseInterval: 0.1, logger: gateway.logger),
        InstanceHeartbeat(store: gateway.store, instance: instance, logger: gateway.logger), leadership, jobs,
        KeyRecoveryService(
            checker: checker, settings: configuration.keyChecks, leadership: leadership, logger: gateway.logger)
    )
    return app
}

/// Every client connection's pipeline (``GatewayHTTPChannel``): TLS when configured, `MAX_CONNECTIONS`,
/// `HEADER_TIMEOUT`, the decoder limits and `IDLE_TIMEOUT`.
private func connectionServer(
    configuration: GatewayConfiguration, gate: ConnectionGate, certificates: TLSCertificates?, proxy: ProxyEngine
) -> HTTPServerBuilder {
    let limits = configuration.limits
    var settings = GatewayHTTPChannel.Settings()
    // The decoder's own limits sit well above the gateway's, so that a large head gets the 431 in the route's
    // dialect from RequestLimitsMiddleware; only a head far beyond them is cut off by NIO with a bare 400.
    settings.decoderLimits.maxHeaderFieldSize = max(4 * limits.maxHeaderBytes, 80 * 1024)
    settings.decoderLimits.maxHeaderListSize = max(4 * limits.maxHeaderBytes, 80 * 1024)
    settings.decoderLimits.maxHeaderFieldCount = max(4 * limits.maxHeaderCount, 1000)
    settings.idleTimeout = limits.idleTimeout > 0 ? .milliseconds(Int64(limits.idleTimeout * 1000)) : nil
    settings.headerTimeout = limits.headerTimeout > 0 ? .milliseconds(Int64(limits.headerTimeout * 1000)) : nil
    return HTTPServerBuilder { [settings] responder in
        GatewayHTTPChannel(
            responder: responder, settings: settings, gate: gate, certificates: certificates, proxy: proxy)
    }
}

/// `MAX_CONNECTIONS`, clamped to what the open-file limit can carry (said in the log when it is).
private func connectionGate(configuration: GatewayConfiguration, logger: Logger) -> ConnectionGate {
    let openFiles = FileDescriptorLimit.current
    let (limit, clamped) = ConnectionGate.effectiveLimit(
        configured: configuration.limits.maxConnections, openFileLimit: openFiles)
    if clamped {
        logger.warning(
            "MAX_CONNECTIONS is more than the open-file limit can carry; using less",
            metadata: [
                "configured": "\(configuration.limits.maxConnections)", "open_file_limit": "\(openFiles)",
                "max_connections": "\(limit)",
            ])
    }
    logger.info("client connections", metadata: ["max_connections": "\(limit)"])
    return ConnectionGate(limit: limit)
}
