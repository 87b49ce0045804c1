import Foundation
import ServiceLifecycle

/// Writes traffic counters and key health to the store every `interval`, and once more at shutdown (after the
/// server has drained, since services stop in reverse order and the server is last).
struct StatsFlusher: Service {
    let gateway: Gateway
    let interval: TimeInterval

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                await gateway.flush()
            }
        }
        await gateway.flush()
    }
}
