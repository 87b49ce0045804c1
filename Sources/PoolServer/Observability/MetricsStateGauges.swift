import Foundation
import PoolCore
import Prometheus

/// The metrics that describe state the gateway already keeps, read from their sources when `/metrics` is scraped
/// (nothing on the request path): keys by status (`KeyPool`), refusals (`TrafficCounters`, the one place every
/// refusal is counted), the caches' hits and misses, the change feed, the build and uptime.
///
/// Counters that mirror another counter advance by what it moved since the last scrape, from what it held when
/// the gateway started (the traffic counters start from the store's totals, which other instances share): so each
/// instance exports its own counts, from zero. Not thread-safe on its own: ``GatewayMetrics`` scrapes under a lock.
final class MetricsStateGauges {
    /// Where the state is read from.
    struct Sources {
        var pool: KeyPool
        var traffic: TrafficCounters
        var feed: ChangeFeedStatus
        var modelCache: ModelListCache
        var responseCache: ResponseCache
        var clock: any PoolClock
        var startedAt: Date
        /// The providers to report, read at each scrape (the catalog can grow while running).
        var providers: @Sendable () -> [ProviderID] = { ProviderID.builtIn }
    }

    /// A counter that follows a total kept elsewhere: it advances by the total's growth since the last look.
    private struct Mirrored {
        let counter: Counter
        var last: Int

        mutating func follow(_ total: Int) {
            if total > last { counter.increment(by: Int64(total - last)) }
            last = total
        }
    }

    private let sources: Sources
    private let registry: PrometheusCollectorRegistry
    private var keys: [ProviderID: [KeyStatus: Gauge]] = [:]
    private var refusals: [ProviderID: [RefusalReason: Mirrored]] = [:]
    private var responseHits: Mirrored
    private var responseMisses: Mirrored
    private var modelHits: Mirrored
    private var modelMisses: Mirrored
    private let feedBehind: Gauge
    private let feedSinceCatchUp: Gauge
    private let uptime: Gauge

    init(registry: PrometheusCollectorRegistry, sources: Sources, providers: [ProviderID]? = nil) {
        self.sources = sources
        self.registry = registry
        func cache(_ cache: String, _ result: String, from total: Int) -> Mirrored {
            let counter = registry.makeCounter(
                descriptor: MetricsNames.cacheRequests, labels: [("cache", cache), ("result", result)])
            return Mirrored(counter: counter, last: total)
        }
        let response = sources.responseCache.statistics()
        let models = sources.modelCache.snapshot(now: sources.clock.now)
        responseHits = cache("response", "hit", from: response.hits)
        responseMisses = cache("response", "miss", from: response.misses)
        modelHits = cache("models", "hit", from: models.hits)
        modelMisses = cache("models", "miss", from: models.misses)
        feedBehind = registry.makeGauge(descriptor: MetricsNames.feedBehind)
        feedSinceCatchUp = registry.makeGauge(descriptor: MetricsNames.feedSinceCatchUp)
        uptime = registry.makeGauge(descriptor: MetricsNames.uptime)
        registry.makeGauge(descriptor: MetricsNames.buildInfo, labels: [("version", GatewayVersion.current)]).set(to: 1)
        for provider in providers ?? sources.providers() { track(provider) }
    }

    /// Makes a provider's series, its refusals counted from what the traffic counters hold now.
    private func track(_ provider: ProviderID) {
        guard keys[provider] == nil else { return }
        let byStatus = KeyStatus.allCases.map { status in
            (
                status,
                registry.makeGauge(
                    descriptor: MetricsNames.keys,
                    labels: [("provider", provider.rawValue), ("status", status.rawValue)])
            )
        }
        keys[provider] = Dictionary(uniqueKeysWithValues: byStatus)
        let stored = sources.traffic.totals(provider: provider).refusals
        let byReason = RefusalReason.allCases.map { reason in
            let counter = registry.makeCounter(
                descriptor: MetricsNames.refusals,
                labels: [("provider", provider.rawValue), ("reason", reason.rawValue)])
            return (reason, Mirrored(counter: counter, last: stored[reason, default: 0]))
        }
        refusals[provider] = Dictionary(uniqueKeysWithValues: byReason)
    }

    /// Reads every source into its metrics; called before each scrape's output.
    func update() {
        let now = sources.clock.now
        for provider in sources.providers() {
            track(provider)
            let counts = sources.pool.statusCounts(provider: provider)
            for (status, gauge) in keys[provider] ?? [:] { gauge.set(to: Double(counts[status, default: 0])) }
            let refused = sources.traffic.totals(provider: provider).refusals
            for reason in RefusalReason.allCases { refusals[provider]?[reason]?.follow(refused[reason, default: 0]) }
        }
        let response = sources.responseCache.statistics()
        responseHits.follow(response.hits)
        responseMisses.follow(response.misses)
        let models = sources.modelCache.snapshot(now: now)
        modelHits.follow(models.hits)
        modelMisses.follow(models.misses)
        let feed = sources.feed.snapshot
        feedBehind.set(to: Double(max(0, feed.storeRevision - feed.appliedRevision)))
        feedSinceCatchUp.set(to: max(0, now.timeIntervalSince(feed.lastCatchUp ?? sources.startedAt)))
        uptime.set(to: max(0, Date().timeIntervalSince(sources.startedAt)))
    }
}
