import Foundation
import Logging
import PoolCore

/// Tells the pool and the traffic counters how an upstream attempt and a whole request went: the engine uses it
/// for plain answers, the stream relay when a stream ends.
struct AttemptReporter: Sendable {
    let pool: KeyPool
    let traffic: TrafficCounters
    let clock: any PoolClock
    let logger: Logger

    init(pool: KeyPool, traffic: TrafficCounters, clock: any PoolClock, logger: Logger) {
        self.pool = pool
        self.traffic = traffic
        self.clock = clock
        self.logger = logger
    }

    /// Where finished requests are counted.
    var stats: StatsRecorder { StatsRecorder(traffic: traffic, clock: clock) }

    /// Reports one attempt with `lease`; logs a change of the key's state.
    func report(
        _ lease: KeyLease, _ outcome: AttemptOutcome, started: ContinuousClock.Instant, provider: ProviderID,
        usage: TokenUsage? = nil
    ) {
        let transition = pool.report(lease, outcome: outcome, latencyMillis: Self.millis(since: started), usage: usage)
        if transition != .unchanged {
            logger.info(
                "key state changed",
                metadata: ["key": "\(lease.key.id)", "provider": "\(provider)", "change": "\(transition)"]
            )
        }
    }

    /// Counts one client request in the provider's totals and its model's hour.
    func recordRequest(provider: ProviderID, model: String?, result: RequestResult) {
        stats.record(provider: provider, model: model, result: result)
    }

    static func millis(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
