import Foundation
import ServiceLifecycle

/// Writes traffic counters and key health to the store every `interval`, per-key counters every
/// `keyStatsInterval`, and everything once more at shutdown (after the server has drained, since services stop
/// in reverse order and the server is last).
///
/// Per-key counters wait longer because with a large pool nearly every request uses a different key: written
/// every second, 3,000 requests a second rewrite most pages of the statistics table each second; every ten
/// seconds, each page once.
struct StatsFlusher: Service {
    let writer: StatsWriter
    let interval: TimeInterval
    let keyStatsInterval: TimeInterval

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastKeyStats = ContinuousClock.now
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                let now = ContinuousClock.now
                let keyStatsDue = now - lastKeyStats >= .milliseconds(Int(keyStatsInterval * 1000))
                await writer.flush(keyStats: keyStatsDue)
                if keyStatsDue { lastKeyStats = now }
            }
        }
        // In a task of its own: after a shutdown's grace this service is cancelled, and the last flush must
        // still reach the store.
        let finalWriter = writer
        await Task { await finalWriter.flush() }.value
    }
}
