import Foundation
import PoolCore

/// A `KeyCondition` as the three columns `status`, `status_until` and `status_reason` hold it.
///
/// The mapping is lossless in both directions for every condition the pool produces; reading is lenient
/// about rows no writer of this store produces, so a hand-edited database cannot stop the gateway.
struct StoredCondition: Equatable {
    var status: String
    /// Seconds since 1970.
    var until: Double?
    var reason: String?

    init(status: String, until: Double?, reason: String?) {
        self.status = status
        self.until = until
        self.reason = reason
    }

    init(_ condition: KeyCondition) {
        switch condition {
        case .active:
            self.init(status: "active", until: nil, reason: nil)
        case .cooling(let until, let reason):
            self.init(status: "cooling", until: until.timeIntervalSince1970, reason: reason)
        case .disabled(let until, let reason):
            self.init(status: "disabled", until: until?.timeIntervalSince1970, reason: reason)
        case .invalid(let reason):
            self.init(status: "invalid", until: nil, reason: reason)
        }
    }

    var condition: KeyCondition {
        switch status {
        case "cooling":
            // A cooling window without an end has no meaning; the key is simply usable.
            guard let until else { return .active }
            return .cooling(until: Date(timeIntervalSince1970: until), reason: reason ?? "")
        case "disabled":
            return .disabled(until: until.map(Date.init(timeIntervalSince1970:)), reason: reason ?? "")
        case "invalid":
            return .invalid(reason: reason ?? "")
        default:
            return .active
        }
    }
}
