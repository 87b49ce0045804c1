import Foundation
import ServiceLifecycle

/// Writes the request log's queued records to the store every `interval` (a failed write is retried next time;
/// the memory ring never loses them) and prunes records older than `REQUEST_LOG_DAYS` every `pruneInterval`,
/// starting at once. Runs only when the store keeps the log. The last write at shutdown is `runGateway`'s, after
/// the service group has ended and every request (streams ended by the grace included) has its record.
struct RequestLogWriter: Service {
    let log: RequestLog
    var interval: TimeInterval = 1
    var pruneInterval: TimeInterval = 3600

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastPrune: ContinuousClock.Instant?
            while !Task.isCancelled {
                let now = ContinuousClock.now
                if lastPrune.map({ now - $0 >= .milliseconds(Int(pruneInterval * 1000)) }) ?? true {
                    await log.prune()
                    lastPrune = now
                }
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                await log.flush()
            }
        }
    }
}
