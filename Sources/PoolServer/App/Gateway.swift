import Foundation
import Logging
import PoolCore
import PoolStore
import Synchronization

/// The running gateway's state: the key pool, client tokens and counters in memory, the store behind them.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let pool: KeyPool
    public let tokens: TokenRegistry
    public let traffic: TrafficCounters
    public let modelCache: ModelListCache
    /// Per-IP protection and the response cache (issue #15).
    public let guards: ClientGuards
    public let store: any PoolStore
    public let clock: any PoolClock
    public let startedAt: Date
    let admin: AdminCredential
    let logger: Logger
    /// The store's change revision just before the snapshot was read: `ChangeFeedService` applies what other
    /// writers change after it.
    let loadedRevision: Int64
    /// Writes what traffic changed to the store (`StatsFlusher` calls it on a schedule, CLI commands once).
    public let statsWriter: StatsWriter
    /// Names this process among the instances sharing a database (`/health`, the start-up log); new each start.
    public let instanceID: String
    /// Other instances' share of the statistics (`StatsWriter.refreshShared`), for the statistics answers.
    public let sharedStats: StatsShared
    /// How far the change feed has followed the store, for `/health`.
    public let feedStatus: ChangeFeedStatus
    /// Whether a shutdown has begun, for `/health/ready` (set by the service group's ``ShutdownDelay``).
    public let shutdownState = ShutdownState()
    /// `/metrics` (nil with `METRICS_ENABLED=false`: nothing is counted).
    let metrics: GatewayMetrics?
    /// Every proxied request's record, in memory and (with `REQUEST_LOG_DAYS` > 0) the store (issue #16).
    let requestLog: RequestLog
    /// The live provider catalog: built-ins from the settings, `PROVIDERS_FILE`, the store's (issue #17).
    let providers: ProviderRegistry

    init(
        configuration: GatewayConfiguration, pool: KeyPool, tokens: TokenRegistry, traffic: TrafficCounters,
        store: any PoolStore, clock: any PoolClock, admin: AdminCredential, baseline: StatsBaseline = StatsBaseline(),
        loadedRevision: Int64 = 0, instanceID: String = Gateway.makeInstanceID(), logger: Logger,
        providers: ProviderRegistry? = nil
    ) {
        self.providers = providers ?? ProviderRegistry(builtIn: configuration.builtInProviders)
        self.loadedRevision = loadedRevision
        self.instanceID = instanceID
        sharedStats = StatsShared()
        feedStatus = ChangeFeedStatus(loadedRevision: loadedRevision, at: clock.now)
        self.configuration = configuration
        self.pool = pool
        self.tokens = tokens
        self.traffic = traffic
        modelCache = ModelListCache(ttl: configuration.upstream.modelCacheTTL)
        guards = ClientGuards(configuration: configuration.clientLimits)
        self.store = store
        self.clock = clock
        self.admin = admin
        self.logger = logger
        statsWriter = StatsWriter(
            pool: pool, tokens: tokens, traffic: traffic, store: store, clock: clock, baseline: baseline,
            loadedRevision: loadedRevision, shared: sharedStats, logger: logger)
        requestLog = RequestLog(settings: configuration.requestLog, store: store, clock: clock, logger: logger)
        startedAt = Date()
        metrics =
            configuration.metrics.enabled
            ? GatewayMetrics(
                sources: MetricsStateGauges.Sources(
                    pool: pool, traffic: traffic, feed: feedStatus, modelCache: modelCache,
                    responseCache: guards.responseCache, clock: clock, startedAt: startedAt,
                    providers: { [providers = self.providers] in providers.catalog.names }))
            : nil
    }

    /// Opens the store named by the configuration and loads everything into memory.
    /// - Parameter announceAdminToken: receives a newly generated admin token (default: printed to stderr).
    public static func open(
        configuration: GatewayConfiguration,
        logger: Logger,
        clock: any PoolClock = SystemClock(),
        announceAdminToken: (String) -> Void = Gateway.printAdminToken
    ) async throws -> Gateway {
        try configuration.validate()
        let store = try await openConfiguredStore(configuration, logger: logger)
        return try await load(
            from: store, configuration: configuration, logger: logger, clock: clock,
            announceAdminToken: announceAdminToken
        )
    }

    /// Loads everything from an already open store into memory (tests hand in an in-memory store this way).
    public static func load(
        from store: any PoolStore,
        configuration: GatewayConfiguration,
        logger: Logger,
        clock: any PoolClock = SystemClock(),
        announceAdminToken: (String) -> Void = Gateway.printAdminToken
    ) async throws -> Gateway {
        let fromFile = try configuration.upstream.providersFile.map { try ProviderFile.load(path: $0) } ?? []
        // Every provider known at start gets its rotation and counters now; one added later gets them on demand.
        let known = ProviderCatalog(builtIn: configuration.builtInProviders, defined: fromFile).names
        let pool = KeyPool(providers: known, policy: configuration.cooldown, clock: clock)
        // Read before the snapshot: a change made while loading is applied (again, harmlessly) by the feed.
        let loadedRevision = try await store.revision()
        // What was loaded is where the counters start: flushes send increments from there (each key keeps its
        // own baseline; `StatsBaseline` the rest).
        let snapshot = try await store.loadSnapshot { keys, stats in
            pool.add(keys, stats: Dictionary(stats.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first }))
        }
        var baseline = StatsBaseline()
        baseline.load(from: snapshot)
        // Instances sharing PostgreSQL serve limits from leased slices; one process holds each whole budget.
        let budget: BudgetMode =
            store.kind == "postgres" ? .leased(sliceFraction: configuration.clientLimits.budgetSliceFraction) : .whole
        let tokens = TokenRegistry(clock: clock, budgetMode: budget)
        tokens.load(snapshot.tokens)
        tokens.seed(usage: try await store.tokenUsage(now: clock.now))
        let providers = ProviderRegistry(
            builtIn: configuration.builtInProviders, fromFile: fromFile, stored: snapshot.providers)
        let traffic = TrafficCounters(
            providers: known + snapshot.providers.map(\.name).filter { !known.contains($0) },
            stored: snapshot.globalStats, modelHours: snapshot.modelHours)
        let admin = try await AdminCredential.resolve(
            configured: configuration.adminToken, store: store, announce: announceAdminToken
        )
        let keyCount = pool.providerIDs.reduce(0) { $0 + pool.count(provider: $1) }
        let instanceID = makeInstanceID()
        logger.info(
            "store loaded",
            metadata: [
                "store": "\(store.kind)", "keys": "\(keyCount)", "tokens": "\(snapshot.tokens.count)",
                "instance": "\(instanceID)", "revision": "\(loadedRevision)",
            ])
        return Gateway(
            configuration: configuration, pool: pool, tokens: tokens, traffic: traffic, store: store, clock: clock,
            admin: admin, baseline: baseline, loadedRevision: loadedRevision, instanceID: instanceID, logger: logger,
            providers: providers
        )
    }

    /// Opens the configured store without loading it, for CLI commands.
    public static func openConfiguredStore(
        _ configuration: GatewayConfiguration, logger: Logger
    ) async throws -> any PoolStore {
        let location = try StoreLocation.parse(configuration.persistence.databaseURL)
        // Secrets are always encrypted at rest: with ENCRYPTION_KEY, or else with a key generated beside the database.
        let passphrase =
            try configuration.persistence.encryptionKey
            ?? EncryptionKeyFile.passphrase(for: location, logger: logger)
        let cipher = passphrase.map { SecretCipher(passphrase: $0) }
        return try await openStore(location, cipher: cipher, logger: logger)
    }

    /// A fresh instance id: 12 hex digits, random (two instances never share one in practice).
    public static func makeInstanceID() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)).lowercased()
    }

    public static func printAdminToken(_ token: String) {
        let message = """
            No ADMIN_TOKEN was set, so one was generated. It is shown only this once; only its hash is kept:

                \(token)

            Set ADMIN_TOKEN to choose your own.

            """
        FileHandle.standardError.write(Data(message.utf8))
    }
}
