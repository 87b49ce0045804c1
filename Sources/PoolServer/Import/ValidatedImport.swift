import Foundation
import PoolCore
import PoolStore

/// Imports keys of unknown quality, probing each before it joins the pool.
///
/// Valid keys join `active` with the models they serve; rate-limited and out-of-credit keys are genuine and
/// join `cooling`; rejected keys are reported, never added. A key the upstream could not judge (5xx, timeout,
/// an unexpected answer) is not invalid: it joins, and traffic or recovery will tell. Probed keys are stored
/// in batches while the import runs, so the first good keys serve long before the last is probed.
struct ValidatedImport: Sendable {
    let gateway: Gateway
    let prober: KeyProber

    /// Keys are written to the store and the pool in batches of this many.
    static let batchSize = 500

    func run(_ parsed: ImportParseResult, provider: ProviderID, expiresAt: Date?, job: Job) async throws -> ValidatedImportSummary {
        var seen = Set<String>()
        var candidates: [ImportEntry] = []
        var duplicates = 0
        for entry in parsed.entries {
            guard seen.insert(entry.secret).inserted, !gateway.pool.contains(secret: entry.secret, provider: provider) else {
                duplicates += 1
                continue
            }
            candidates.append(entry)
        }
        job.setTotal(candidates.count)
        var summary = ValidatedImportSummary(provider: provider.rawValue, total: parsed.total, duplicates: duplicates)
        for problem in parsed.invalid { summary.reject(.init(line: problem.line, reason: problem.reason)) }
        let tally = SharedState(summary)
        let pending = SharedState<[KeyRecord]>([])
        let storeFailure = SharedState<(any Error)?>(nil)

        await forEachConcurrently(candidates, limit: prober.limit.limit) { entry in
            guard let report = try? await prober.inspect(secret: entry.secret, provider: provider) else { return }
            let outcome = report.outcome
            job.advance(valid: outcome == .valid, invalid: outcome.isInvalid)
            if outcome.isInvalid {
                tally.withLock { summary in
                    summary.reject(.init(
                        line: entry.line, apiKey: SecretMask.mask(entry.secret), reason: outcome.reason,
                        httpStatus: report.httpStatus
                    ))
                }
                return
            }
            let now = gateway.clock.now
            var health = KeyHealth()
            health.applyProbe(outcome, at: now, policy: gateway.pool.policy)
            let models = report.models ?? []
            let record = KeyRecord(
                provider: provider, secret: entry.secret, username: entry.username, createdAt: now,
                expiresAt: expiresAt, health: health, models: models,
                category: report.models.map { ModelCategory.classify(models: $0) }, credit: report.credit
            )
            tally.withLock { $0.count(outcome, category: record.category) }
            let batch = pending.withLock { pending -> [KeyRecord] in
                pending.append(record)
                guard pending.count >= Self.batchSize else { return [] }
                defer { pending.removeAll(keepingCapacity: true) }
                return pending
            }
            do {
                try await store(batch, tally: tally)
            } catch {
                storeFailure.withLock { $0 = error }
            }
        }
        try await store(pending.withLock { $0 }, tally: tally)
        if let failure = storeFailure.withLock({ $0 }) { throw failure }
        try Task.checkCancellation()
        return tally.withLock { summary in
            summary.invalid.sort { $0.line < $1.line }
            return summary
        }
    }

    /// Adds probed keys to the store, then the pool; a key another import added meanwhile is a duplicate.
    private func store(_ records: [KeyRecord], tally: SharedState<ValidatedImportSummary>) async throws {
        guard !records.isEmpty else { return }
        let inserted = try await gateway.store.insertKeys(records)
        gateway.pool.add(records.filter { inserted.contains($0.id) })
        tally.withLock { summary in
            summary.added += inserted.count
            summary.duplicates += records.count - inserted.count
        }
    }
}
