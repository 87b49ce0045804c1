import Foundation
import Logging
import PoolCore
import ServiceLifecycle
import Synchronization

/// Heals the pool without anyone pressing buttons: every `HEALTH_CHECK_INTERVAL` it re-probes keys that
/// failed (rejected, or disabled after repeated failures), and active keys idle for `IDLE_PROBE_SECONDS`, and
/// restores those that pass.
///
/// A key that keeps failing is probed less and less often: after `n` failed probes in a row it waits
/// `interval × 2ⁿ` (capped) before the next. That memory is kept here, not stored: after a restart every failed
/// key gets one early probe, which is cheap. Keys an admin disabled, cooling keys (they return by themselves)
/// and expired keys are never probed.
///
/// Only the leader (`Leadership`) runs passes: with several instances on one PostgreSQL database, one of them
/// probes; another takes over within one interval when it stops.
final class KeyRecoveryService: Service, Sendable {
    let checker: KeyChecker
    let settings: KeyCheckConfiguration
    let logger: Logger
    let leadership: Leadership

    private struct Backoff {
        var failures: Int
        var nextProbe: Date
    }

    private struct State {
        var backoff: [String: Backoff] = [:]
        /// When recovery last probed a key, so an idle key is not probed again every pass.
        var lastProbed: [String: Date] = [:]
    }

    private let state = Mutex(State())

    init(checker: KeyChecker, settings: KeyCheckConfiguration, leadership: Leadership, logger: Logger) {
        self.checker = checker
        self.leadership = leadership
        self.settings = settings
        self.logger = logger
    }

    /// The interval back-off is measured in; direct calls work even when the schedule is off.
    private var baseInterval: TimeInterval {
        settings.healthCheckInterval > 0 ? settings.healthCheckInterval : KeyCheckConfiguration().healthCheckInterval
    }

    func run() async throws {
        guard settings.healthCheckInterval > 0 else {
            // Returning would end the whole service group; an idle service waits for shutdown instead.
            try? await gracefulShutdown()
            return
        }
        let (clock, logger) = (checker.clock, self.logger)
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(Int64(self.settings.healthCheckInterval * 1000)))
                guard await self.leadership.refresh() else { continue }
                let summary = try await self.runRecoveryPass(now: clock.now)
                if summary.probed > 0 {
                    logger.info(
                        "recovery pass",
                        metadata: [
                            "probed": "\(summary.probed)", "restored": "\(summary.restored)",
                            "still_failing": "\(summary.stillFailing)",
                        ])
                }
            }
        }
    }

    /// What one pass did.
    struct PassSummary: Sendable, Equatable {
        /// Keys that were due for a probe.
        var probed = 0
        /// Keys usable again after their probe.
        var restored = 0
        /// Probed keys that are still not usable.
        var stillFailing = 0
        /// Keys that needed a probe but are still waiting out their back-off.
        var deferred = 0
    }

    /// One recovery pass at `now`: picks the keys due for a probe, probes them with the shared concurrency
    /// bound, and applies the results. Tests call it directly with a manual clock.
    @discardableResult
    func runRecoveryPass(now: Date) async throws -> PassSummary {
        let pool = checker.pool
        let views = try await OffLoop.run { pool.views() }
        var due: [String] = []
        var deferred = 0
        state.withLock { state in
            let present = Set(views.map(\.id))
            state.backoff = state.backoff.filter { present.contains($0.key) }
            state.lastProbed = state.lastProbed.filter { present.contains($0.key) }
            for view in views where needsProbe(view, now: now, lastProbed: state.lastProbed[view.id]) {
                if let backoff = state.backoff[view.id], backoff.nextProbe > now {
                    deferred += 1
                } else {
                    due.append(view.id)
                }
            }
        }
        guard !due.isEmpty else { return PassSummary(deferred: deferred) }

        let base = baseInterval
        let cap = max(settings.recoveryBackoffCap, base)
        let summary = try await checker.check(ids: due, job: nil) { result in
            let healthy = result.after == .active && result.report.outcome == .valid
            self.state.withLock { state in
                state.lastProbed[result.keyID] = now
                if healthy {
                    state.backoff[result.keyID] = nil
                } else {
                    let failures = (state.backoff[result.keyID]?.failures ?? 0) + 1
                    let wait = min(base * pow(2, Double(min(failures, 30))), cap)
                    state.backoff[result.keyID] = Backoff(failures: failures, nextProbe: now.addingTimeInterval(wait))
                }
            }
        }
        return PassSummary(
            probed: summary.checked, restored: summary.restored, stillFailing: summary.checked - summary.valid,
            deferred: deferred
        )
    }

    /// Failed keys always need a probe; active keys only when idle for long. Admin-disabled, cooling and
    /// expired keys never do.
    private func needsProbe(_ view: KeyView, now: Date, lastProbed: Date?) -> Bool {
        if view.health.isDisabledByAdmin(at: now) { return false }
        switch view.status {
        case .invalid, .disabled:
            return true
        case .cooling, .expired:
            return false
        case .active:
            if view.health.isOnTrial(at: now) { return true }
            guard settings.idleProbeSeconds > 0 else { return false }
            let lastActivity =
                [view.stats.lastUsed, lastProbed, view.createdAt].compactMap { $0 }.max() ?? view.createdAt
            return now.timeIntervalSince(lastActivity) >= settings.idleProbeSeconds
        }
    }
}
