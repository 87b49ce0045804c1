import Foundation
import NIOCore
import NIOHTTP1
import PoolCore

/// What one probe of a key found out.
struct ProbeReport: Sendable, Equatable {
    var outcome: ProbeOutcome
    /// The upstream's HTTP status; nil when no answer came (timeout, connect error).
    var httpStatus: Int?
    /// The models the key serves, when the probe could learn them; nil means "not learned this time".
    var models: [String]?
    /// The account's label, limit and usage, when the upstream reports them (OpenRouter).
    var credit: KeyCredit?
}
