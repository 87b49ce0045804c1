import Foundation
import PoolStore
import Synchronization

/// A job as the admin API shows it.
struct JobSnapshot: Encodable, Sendable {
    var id: String
    var kind: String
    var state: Job.State
    var total: Int
    var done: Int
    var valid: Int
    var invalid: Int
    /// Items finished per second since the job started.
    var ratePerS: Double
    var createdAt: Date
    var finishedAt: Date?
    var error: String?
    var result: AnyEncodableResult?
}

extension JobSnapshot {
    /// A job read from the store (another instance's, or this one's before a restart).
    init(_ stored: StoredJob) {
        let done = stored.done
        self.init(
            id: stored.id, kind: stored.kind, state: Job.State(rawValue: stored.state.rawValue) ?? .failed,
            total: stored.total, done: done, valid: stored.valid, invalid: stored.invalid,
            ratePerS: stored.elapsedSeconds > 0 ? (Double(done) / stored.elapsedSeconds * 10).rounded() / 10 : 0,
            createdAt: stored.createdAt, finishedAt: stored.finishedAt, error: stored.error,
            result: StoredJobResult.parse(stored.resultJSON).map(AnyEncodableResult.init)
        )
    }
}
