import Foundation
import Logging
import PoolStore
import ServiceLifecycle

/// Tells the instances sharing a store that this one is alive, and fails the jobs of those that are not.
///
/// Every `interval` (10 s) it writes this instance's heartbeat; then it marks `failed` the running jobs of any
/// instance whose heartbeat is older than `staleAfter` (30 s), and deletes finished jobs older than
/// `retention` (a day). At start-up it also fails, at once, the running jobs its own previous run left (same
/// host and port); with a store only one process uses (SQLite), every running job found at start-up is one.
/// Heartbeats use the wall clock: they are compared across machines.
final class InstanceHeartbeat: Service, Sendable {
    /// The reason a job whose instance stopped is failed with.
    static let abandonedReason = "the instance running this job stopped"

    let store: any PoolStore
    let instance: InstanceIdentity
    let interval: Duration
    let staleAfter: TimeInterval
    let retention: TimeInterval
    private let logger: Logger
    /// One warning when the store goes away and one line when it is back, not a warning every `interval`.
    private let outage: StoreOutageLog

    init(
        store: any PoolStore, instance: InstanceIdentity, logger: Logger, interval: Duration = .seconds(10),
        staleAfter: TimeInterval = 30, retention: TimeInterval = 86_400
    ) {
        self.store = store
        self.instance = instance
        self.logger = logger
        self.interval = interval
        self.staleAfter = staleAfter
        self.retention = retention
        outage = StoreOutageLog(logger: logger, what: "recording this instance's heartbeat")
    }

    /// Whether other processes may share the store (only then can a job's instance be alive elsewhere).
    private var isShared: Bool { store.kind == "postgres" }

    func run() async throws {
        await beat(startingUp: true)
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.interval)
                await self.beat(startingUp: false)
            }
        }
    }

    /// One round: the heartbeat, then the sweep of abandoned and old jobs. A store that is away is logged once
    /// (and its return once); the next round tries again.
    func beat(startingUp: Bool) async {
        let now = Date()
        do {
            try await store.recordHeartbeat(instance: instance.id, name: instance.name, at: now)
            let rule = AbandonedJobsRule(
                survivor: instance.id,
                heartbeatBefore: startingUp && !isShared ? .distantFuture : now.addingTimeInterval(-staleAfter),
                previousName: startingUp ? instance.name : nil)
            let failed = try await store.failAbandonedJobs(rule, reason: Self.abandonedReason, at: now)
            if failed > 0 {
                logger.warning(
                    "marked jobs of a stopped instance failed", metadata: ["jobs": "\(failed)"])
            }
            try await store.pruneJobs(finishedBefore: now.addingTimeInterval(-retention))
            outage.succeeded()
        } catch {
            outage.failed(error)
        }
    }
}
