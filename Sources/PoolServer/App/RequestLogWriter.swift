import Foundation
import ServiceLifecycle

/// Writes the request log's queued records to the store every `interval`, or as soon as `batchSize` of them wait
/// (looked at every `tick`): under heavy load the queue, and the memory it holds, stays about a thousand records and
/// each write short. A failed write is retried next time; the memory ring never loses records. Prunes records older
/// than `REQUEST_LOG_DAYS` every `pruneInterval`, starting at once. Runs only when the store keeps the log. The last
/// write at shutdown is `runGateway`'s, after the service group has ended and every request (streams ended by the
/// grace included) has its record.
struct RequestLogWriter: Service {
    let log: RequestLog
    var interval: Duration = .seconds(1)
    var batchSize = 1_024
    var tick: Duration = .milliseconds(50)
    var pruneInterval: Duration = .seconds(3600)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastPrune: ContinuousClock.Instant?
            var lastWrite = ContinuousClock.now
            while !Task.isCancelled {
                if lastPrune.map({ ContinuousClock.now - $0 >= pruneInterval }) ?? true {
                    await log.prune()
                    lastPrune = ContinuousClock.now
                }
                try await Task.sleep(for: tick)
                let now = ContinuousClock.now
                if now - lastWrite >= interval || log.pendingCount >= batchSize {
                    await log.flush()
                    lastWrite = now
                }
            }
        }
    }
}
