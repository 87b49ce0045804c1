import Foundation
import Logging
import PoolCore
import Synchronization

/// Tells the pool and the traffic counters how an upstream attempt and a whole request went: the engine uses it
/// for plain answers, the stream relay when a stream ends.
struct AttemptReporter: Sendable {
    let pool: KeyPool
    let traffic: TrafficCounters
    let clock: any PoolClock
    let logger: Logger
    /// Set on the copy a stream relay gets (`forStream()`): the outcome of the stream's attempt, which tells
    /// `recordRequest(provider:model:succeeded:)` a client that left apart from a stream that broke.
    private var streamOutcome: StreamOutcome?

    init(pool: KeyPool, traffic: TrafficCounters, clock: any PoolClock, logger: Logger) {
        self.pool = pool
        self.traffic = traffic
        self.clock = clock
        self.logger = logger
    }

    /// Where finished requests are counted.
    var stats: StatsRecorder { StatsRecorder(traffic: traffic, clock: clock) }

    /// A reporter for one stream's relay, remembering the outcome of the attempt it reports.
    func forStream() -> AttemptReporter {
        var copy = self
        copy.streamOutcome = StreamOutcome()
        return copy
    }

    /// Reports one attempt with `lease`; logs a change of the key's state.
    func report(
        _ lease: KeyLease, _ outcome: AttemptOutcome, started: ContinuousClock.Instant, provider: ProviderID,
        usage: TokenUsage? = nil
    ) {
        streamOutcome?.value.withLock { $0 = outcome }
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

    /// Counts a stream that ended (how the stream relay reports it): the attempt's outcome reported just before
    /// decides the category (`RequestResult.streamEnded`), so a client that left mid-stream is not counted as a
    /// failure of the upstream. Without a reported outcome, `succeeded` decides.
    func recordRequest(provider: ProviderID, model: String?, succeeded: Bool) {
        let result: RequestResult
        if let outcome = streamOutcome?.value.withLock({ $0 }) {
            result = .streamEnded(outcome)
        } else {
            result = succeeded ? .success : .upstreamFailure
        }
        recordRequest(provider: provider, model: model, result: result)
    }

    static func millis(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    /// The last outcome a stream's reporter reported.
    private final class StreamOutcome: Sendable {
        let value = Mutex<AttemptOutcome?>(nil)
    }
}
