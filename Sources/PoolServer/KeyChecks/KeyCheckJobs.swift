import Foundation
import Logging
import PoolCore

/// Starts the background jobs that ask the upstream about keys, for the routes that offer them.
struct KeyCheckJobs: Sendable {
    let checker: KeyChecker
    let importer: ValidatedImport
    let jobs: JobRegistry
    let logger: Logger

    /// Probes `parsed` keys and adds those the upstream does not reject (see `ValidatedImport`).
    func startValidatedImport(_ parsed: ImportParseResult, provider: ProviderID, expiresAt: Date?) async -> Job {
        let (importer, logger) = (self.importer, self.logger)
        return await jobs.start(kind: "validated_import", total: parsed.entries.count) { job in
            let summary = try await importer.run(parsed, provider: provider, expiresAt: expiresAt, job: job)
            logger.info(
                "validated import finished",
                metadata: [
                    "provider": "\(provider)", "added": "\(summary.added)", "valid": "\(summary.valid)",
                    "invalid": "\(summary.invalidCount)", "duplicates": "\(summary.duplicates)",
                ])
            return summary
        }
    }

    /// Checks pool keys and applies the results; `kind` names the job (`health_check`, `verify`).
    func startCheck(kind: String, ids: [String]) async -> Job {
        let (checker, logger) = (self.checker, self.logger)
        return await jobs.start(kind: kind, total: ids.count) { job in
            let summary = try await checker.check(ids: ids, job: job)
            logger.info(
                "key check finished",
                metadata: [
                    "kind": "\(kind)", "checked": "\(summary.checked)", "valid": "\(summary.valid)",
                    "invalid": "\(summary.invalid)", "restored": "\(summary.restored)",
                ])
            return summary
        }
    }
}
