import Foundation
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
