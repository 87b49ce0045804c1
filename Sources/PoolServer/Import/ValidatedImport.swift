import Foundation
import PoolCore
import PoolStore

/// Imports keys of unknown quality, probing each before it joins the pool.
///
/// Valid keys join `active` with the models they serve; rate-limited and out-of-credit keys are genuine and
/// join `cooling`; rejected keys are reported, never added. A key the upstream could not judge (5xx, timeout,
/// an unexpected answer) is not invalid: it joins, and traffic or recovery will tell. A key with its own base URL
/// (a self-hosted server) is probed there. Probed keys are stored
/// in batches while the import runs, so the first good keys serve long before the last is probed.
struct ValidatedImport: Sendable {
    let pool: KeyPool
    let store: any PoolStore
    let clock: any PoolClock
    let prober: KeyProber

    /// Keys are written to the store and the pool in batches of this many.
    static let batchSize = 500

    func run(
        _ parsed: ImportParseResult, provider: ProviderID, expiresAt: Date?, job: Job
    ) async throws -> ValidatedImportSummary {
        let (candidates, duplicates) = pool.newEntries(parsed.entries, provider: provider)
        job.setTotal(candidates.count)
        var summary = ValidatedImportSummary(provider: provider.rawValue, total: parsed.total, duplicates: duplicates)
        for problem in parsed.invalid { summary.reject(.init(line: problem.line, reason: problem.reason)) }
        let tally = SharedState(summary)
        let fanOut = ProbeFanOut<KeyRecord>(limit: prober.limit.limit, batchSize: Self.batchSize) { records in
            try await add(records, tally: tally)
        }
        try await fanOut.run(candidates) { entry in
            guard
                let report = try? await prober.inspect(secret: entry.secret, provider: provider, baseURL: entry.baseURL)
            else { return nil }
            let outcome = report.outcome
            job.advance(valid: outcome == .valid, invalid: outcome.isInvalid)
            if outcome.isInvalid {
                tally.withLock { summary in
                    summary.reject(
                        .init(
                            line: entry.line, apiKey: SecretMask.mask(entry.secret), reason: outcome.reason,
                            httpStatus: report.httpStatus
                        ))
                }
                return nil
            }
            let record = newRecord(entry, report: report, provider: provider, expiresAt: expiresAt)
            tally.withLock { $0.count(outcome, category: record.category) }
            return record
        }
        return tally.withLock { summary in
            summary.invalid.sort { $0.line < $1.line }
            return summary
        }
    }

    /// A record for a key the probe did not reject, with the health, models and credit it learned.
    private func newRecord(
        _ entry: ImportEntry, report: ProbeReport, provider: ProviderID, expiresAt: Date?
    ) -> KeyRecord {
        let now = clock.now
        var health = KeyHealth()
        health.applyProbe(report.outcome, at: now, policy: pool.policy)
        return KeyRecord(
            provider: provider, secret: entry.secret, username: entry.username, createdAt: now,
            expiresAt: expiresAt, health: health, models: report.models ?? [],
            category: report.models.map { ModelCategory.classify(models: $0) }, credit: report.credit,
            baseURL: entry.baseURL.map(ProviderRules.normalizedBaseURL), placement: entry.placement
        )
    }

    /// Adds probed keys to the store, then the pool; a key another import added meanwhile is a duplicate.
    private func add(_ records: [KeyRecord], tally: SharedState<ValidatedImportSummary>) async throws {
        let inserted = try await store.insertKeys(records)
        pool.add(records.filter { inserted.contains($0.id) })
        tally.withLock { summary in
            summary.added += inserted.count
            summary.duplicates += records.count - inserted.count
        }
    }
}
