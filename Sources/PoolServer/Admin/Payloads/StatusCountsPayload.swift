import Foundation
import PoolCore

/// Key counts by status.
struct StatusCountsPayload: Encodable {
    var total: Int
    var active: Int
    var cooling: Int
    var disabled: Int
    var invalid: Int
    var expired: Int

    init(_ counts: [KeyStatus: Int]) {
        active = counts[.active, default: 0]
        cooling = counts[.cooling, default: 0]
        disabled = counts[.disabled, default: 0]
        invalid = counts[.invalid, default: 0]
        expired = counts[.expired, default: 0]
        total = active + cooling + disabled + invalid + expired
    }
}
