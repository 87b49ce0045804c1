import Foundation
import Logging
import PoolStore
import ServiceLifecycle
import Synchronization

/// Whether this instance runs the singleton work now (the recovery pass and its scheduled health checks), for
/// that work and for `/health` (`leader: true/false`).
///
/// With PostgreSQL the store's `LeaderLock` is a session advisory lock: one instance holds it; when it dies its
/// session ends and another takes over at its next `refresh()` (this service refreshes every `interval`, and the
/// recovery service right before each pass, so a takeover comes within one recovery interval). With SQLite this
/// instance always leads.
final class Leadership: Service, Sendable {
    let interval: Duration
    private let lock: any LeaderLock
    private let leading = Atomic<Bool>(false)

    init(lock: any LeaderLock, interval: Duration = .seconds(5)) {
        self.lock = lock
        self.interval = interval
    }

    /// As last found: whether this instance is the leader.
    var isLeader: Bool { leading.load(ordering: .acquiring) }

    /// Takes the lock or checks it is still held, now.
    @discardableResult
    func refresh() async -> Bool {
        let now = await lock.acquire()
        leading.store(now, ordering: .releasing)
        return now
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.refresh()
                try await Task.sleep(for: self.interval)
            }
        }
        await release()
    }

    /// Gives the lock up, so another instance takes over at once rather than when this session times out.
    func release() async {
        leading.store(false, ordering: .releasing)
        await lock.release()
    }
}
