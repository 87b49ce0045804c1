import Foundation
import PoolCore
import PoolStore

/// Probes keys that are in the pool and applies what it finds: health by the traffic rules
/// (`KeyHealth.applyProbe`, persisted with the next traffic batch), and the models, category and credit the
/// probe learned (in memory at once, in the store right after).
///
/// Used by `verify-key`, health-check jobs, the bulk `verify` action and the recovery service alike.
struct KeyChecker: Sendable {
    let pool: KeyPool
    let store: any PoolStore
    let clock: any PoolClock
    let prober: KeyProber

    /// Profiles are written in batches of this many when checking many keys.
    static let profileBatchSize = 500

    /// What checking one key did.
    struct Result: Sendable {
        var keyID: String
        var maskedSecret: String
        var report: ProbeReport
        var before: KeyStatus
        var after: KeyStatus
        var transition: KeyTransition
        /// The key was unusable (or waiting for its trial) before and is usable now.
        var restored: Bool
    }

    /// Checks one key of the pool now. Returns nil when there is no such key (or it was deleted meanwhile).
    func check(id: String) async throws -> Result? {
        guard let checked = try await probeAndApply(id: id) else { return nil }
        if let profile = checked.profile { try await store.updateKeyProfiles([profile]) }
        return checked.result
    }

    /// Checks many keys with the prober's concurrency bound, counting progress on `job` and handing every
    /// result to `onResult` as it comes. Keys deleted meanwhile are skipped.
    func check(
        ids: [String], job: Job?, onResult: @escaping @Sendable (Result) -> Void = { _ in }
    ) async throws -> HealthCheckSummary {
        let tally = SharedState(HealthCheckTally(total: ids.count))
        job?.setTotal(ids.count)
        let store = self.store
        let fanOut = ProbeFanOut<KeyProfileRecord>(limit: prober.limit.limit, batchSize: Self.profileBatchSize) {
            try await store.updateKeyProfiles($0)
        }
        try await fanOut.run(ids) { id in
            guard let checked = try? await probeAndApply(id: id) else {
                job?.advance()
                return nil
            }
            let result = checked.result
            onResult(result)
            tally.withLock { $0.count(result) }
            job?.advance(valid: result.report.outcome == .valid, invalid: result.report.outcome.isInvalid)
            return checked.profile
        }
        return tally.withLock { $0.summary }
    }

    /// A check's result and the profile to store, when the probe changed it.
    private struct Checked: Sendable {
        var result: Result
        var profile: KeyProfileRecord?
    }

    /// Probes a pool key and applies the result in memory.
    private func probeAndApply(id: String) async throws -> Checked? {
        guard let key = pool.key(id: id), let before = pool.view(id: id) else { return nil }
        let wasResting = before.status != .active || before.health.isOnTrial(at: clock.now)
        let report = try await prober.inspect(secret: key.secret, provider: key.provider, baseURL: key.baseURL)
        guard let applied = pool.applyProbe(id: id, outcome: report.outcome) else { return nil }
        let profile = Self.profile(learned: report, current: before)
        if let profile { pool.updateProfile(profile) }
        let after = pool.view(id: id)?.status ?? before.status
        let result = Result(
            keyID: id, maskedSecret: key.maskedSecret, report: report, before: before.status, after: after,
            transition: applied.transition, restored: wasResting && after == .active && report.outcome == .valid
        )
        return Checked(result: result, profile: profile)
    }

    /// The key's profile with what the probe learned, or nil when it learned nothing new.
    static func profile(learned report: ProbeReport, current: KeyView) -> KeyProfileRecord? {
        var profile = KeyProfileRecord(
            keyID: current.id, models: current.models, category: current.category, credit: current.credit)
        if let models = report.models {
            profile.models = models
            profile.category = ModelCategory.classify(models: models)
        }
        if let credit = report.credit { profile.credit = credit }
        let unchanged =
            profile.models == current.models && profile.category == current.category
            && profile.credit == current.credit
        return unchanged ? nil : profile
    }
}
