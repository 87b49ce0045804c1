import Foundation
import Hummingbird
import PoolCore
import PoolStore

/// `GET /health`: no auth; enough for a load balancer and an operator's first look, and for an operator of
/// several instances on one database: which instance answered, and how far it follows the store's change feed.
/// Never the database's address or password. For orchestrators: `GET /health/live` (200 while the process
/// serves) and `GET /health/ready` (200 when this instance should get traffic; else 503 with the reasons).
struct HealthRoutes {
    let pool: KeyPool
    let upstream: GatewayConfiguration.UpstreamSettings
    /// The provider catalog: every provider is listed, with keys or not, enabled as its definition says.
    let providers: ProviderRegistry
    /// The store's kind, e.g. `sqlite`.
    let storage: String
    let startedAt: Date
    let instanceID: String
    let feed: ChangeFeedStatus
    let store: any PoolStore
    let clock: any PoolClock
    /// Whether this instance runs the singleton work (recovery) now.
    let leadership: Leadership
    let shutdown: ShutdownState
    let storeReachability: StoreReachability

    init(gateway: Gateway, leadership: Leadership) {
        self.leadership = leadership
        pool = gateway.pool
        upstream = gateway.configuration.upstream
        providers = gateway.providers
        storage = gateway.store.kind
        startedAt = gateway.startedAt
        instanceID = gateway.instanceID
        feed = gateway.feedStatus
        store = gateway.store
        clock = gateway.clock
        shutdown = gateway.shutdownState
        storeReachability = StoreReachability(store: gateway.store)
    }

    func register(on router: Router<GatewayRequestContext>) {
        router.get("health") { _, _ in try health() }
        router.get("health/live") { _, _ in try live() }
        router.get("health/ready") { _, _ in try await ready() }
    }

    /// The process is up and its router answers: nothing else is asked, so a liveness probe never restarts an
    /// instance for what a restart cannot fix (a store outage, a shutdown under way).
    private func live() throws -> Response {
        try JSONResponse.make(["status": "ok"])
    }

    /// Ready when the store answers (``StoreReachability``: cached about a second, with a deadline) and no shutdown
    /// has begun. The pool is loaded by construction: the routes exist only once `Gateway.load` has read the store
    /// into memory.
    private func ready() async throws -> Response {
        var reasons: [String] = []
        if shutdown.isDraining { reasons.append("draining") }
        // A draining instance is unready whatever the store says; the store is not asked then.
        if reasons.isEmpty, await !storeReachability.isReachable() { reasons.append("store_unreachable") }
        guard !reasons.isEmpty else { return try JSONResponse.make(["status": "ready"]) }
        struct Unready: Encodable {
            var status = "unready"
            var reasons: [String]
        }
        return try JSONResponse.make(Unready(reasons: reasons), status: .serviceUnavailable)
    }

    private func health() throws -> Response {
        struct ProviderHealth: Encodable {
            var enabled: Bool
            var keysTotal: Int
            var keysActive: Int
        }
        struct Feed: Encodable {
            /// The last store revision this instance applied, and the store's when last read.
            var revision: Int64
            var storeRevision: Int64
            /// Revisions the store is ahead of this instance, as of the last read.
            var behind: Int64
            /// Since the last successful read of the store's changes (nil: none yet).
            var secondsSinceCatchUp: Double?
            /// The store did not answer the last read.
            var storeUnreachable: Bool
            /// PostgreSQL: whether the LISTEN connection for wake-ups is up (absent for SQLite, which polls).
            var listening: Bool?
        }
        struct Answer: Encodable {
            var status: String
            var version: String
            var uptimeSeconds: Int
            var storage: String
            var instanceId: String
            /// This instance runs the singleton work (recovery, scheduled health checks); with SQLite always.
            var leader: Bool
            var changeFeed: Feed
            var providers: [String: ProviderHealth]
        }
        var providers: [String: ProviderHealth] = [:]
        let catalog = self.providers.catalog
        // The catalog's, and any provider that still has keys though its definition is gone.
        for provider in catalog.names + pool.providerIDs.filter({ catalog[$0] == nil }) {
            let counts = pool.statusCounts(provider: provider)
            providers[provider.rawValue] = ProviderHealth(
                enabled: upstream.isEnabled(provider) && (catalog[provider]?.enabled ?? false),
                keysTotal: counts.values.reduce(0, +),
                keysActive: counts[.active, default: 0]
            )
        }
        let status = feed.snapshot
        let sinceCatchUp = status.lastCatchUp.map { (clock.now.timeIntervalSince($0) * 10).rounded() / 10 }
        let changeFeed = Feed(
            revision: status.appliedRevision, storeRevision: status.storeRevision,
            behind: max(0, status.storeRevision - status.appliedRevision),
            secondsSinceCatchUp: sinceCatchUp.map { max(0, $0) }, storeUnreachable: status.storeUnreachable,
            listening: store.listenConnectionUp)
        return try JSONResponse.make(
            Answer(
                status: "ok", version: GatewayVersion.current,
                uptimeSeconds: Int(Date().timeIntervalSince(startedAt)),
                storage: storage, instanceId: instanceID, leader: leadership.isLeader, changeFeed: changeFeed,
                providers: providers
            ))
    }
}
