import Foundation

/// Counts of finished client requests by how they ended, and what follows from them; shared by the provider
/// totals and the model hours.
///
/// `failures` is every request that did not succeed (what it always was). Rows written before requests were
/// classified (schema v3) have failures but no breakdown: the part of `failures` not in a category is
/// `unclassifiedFailures`, and it counts against the success rate, because it may have been the upstream's.
public protocol RequestTally {
    var requests: Int { get }
    var successes: Int { get }
    /// Every request that did not succeed: client errors, upstream failures, refusals and unclassified ones.
    var failures: Int { get }
    var clientErrors: Int { get }
    var upstreamFailures: Int { get }
    var refused: Int { get }
}

extension RequestTally {
    /// Failures recorded before requests were classified.
    public var unclassifiedFailures: Int { max(0, failures - clientErrors - upstreamFailures - refused) }

    /// The requests the success rate is about: those the upstream decided (or may have).
    public var successRateBasis: Int { successes + upstreamFailures + unclassifiedFailures }

    /// Successes among `successRateBasis`, 0…1; nil when there is none yet.
    public var successRate: Double? {
        successRateBasis == 0 ? nil : Double(successes) / Double(successRateBasis)
    }
}
