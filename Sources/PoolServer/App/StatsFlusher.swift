import Foundation
import ServiceLifecycle

/// Writes traffic counters and key health to the store every `interval` and per-key counters every
/// `keyStatsInterval`, then reads the store's totals back (`StatsWriter.refreshShared`) so statistics answers
/// show every instance's flushed traffic. The last flush at shutdown is `runGateway`'s, after the whole service group has ended:
/// only then has every request (streams ended by the shutdown grace included) been counted.
///
/// Per-key counters wait longer because with a large pool nearly every request uses a different key: each write
/// updates the row of nearly every key used since the last, so the cost is per write rather than per request
/// (100,000 busy keys: ~80,000 rows, ~0.5 s of a core, every minute by default).
struct StatsFlusher: Service {
    let writer: StatsWriter
    let interval: TimeInterval
    let keyStatsInterval: TimeInterval
    /// Told each flush's duration and whether the store took it (nil: metrics off).
    var metrics: GatewayMetrics? = nil

    func run() async throws {
        // Ends at a graceful shutdown; `runGateway` writes what is left.
        try? await cancelWhenGracefulShutdown {
            var lastKeyStats = ContinuousClock.now
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                let now = ContinuousClock.now
                let keyStatsDue = now - lastKeyStats >= .milliseconds(Int(keyStatsInterval * 1000))
                let flushStarted = ContinuousClock.now
                let flushed = await writer.flush(keyStats: keyStatsDue)
                metrics?.storeFlushed(seconds: (ContinuousClock.now - flushStarted).inSeconds, succeeded: flushed)
                if keyStatsDue { lastKeyStats = now }
                // Other instances' counts, read after this instance's own flush (never during one).
                await writer.refreshShared()
            }
        }
    }
}
