import Foundation

/// How two instances' decisions about one key combine. Each instance decides health from its own traffic and
/// probes and publishes it; another instance (or the store) holding a different decision keeps the stronger
/// one, so a late writer never shortens a penalty another instance set:
///
/// - an indefinite disable (an admin's, or a failure disable without end) beats everything;
/// - `invalid` beats every windowed state and `active`;
/// - of two windows (`cooling` or `disabled` until a time) still running, the later end wins;
/// - a window that has ended counts as `active`; `active` replaces only `active` (its failure counters).
///
/// An admin's enable or disable is not merged: it replaces (`KeyPool.updateHealth`). `KeyHealthMergeSQL` in
/// PoolStore states the same rule as SQL; the store tests check that both agree.
extension KeyHealth {
    /// The strength of a decision at `now` (see the type's rule): higher wins, equal ranks compare windows.
    public static func mergeRank(of condition: KeyCondition, at now: Date) -> Int {
        switch condition {
        case .active: return 0
        case .cooling(let until, _): return until > now ? 1 : 0
        case .disabled(let until?, _): return until > now ? 1 : 0
        case .invalid: return 2
        case .disabled(nil, _): return 3
        }
    }

    /// True when `incoming` should replace this health under the merge rule at `now`.
    public func isSuperseded(by incoming: KeyHealth, at now: Date) -> Bool {
        let current = Self.mergeRank(of: condition, at: now)
        let offered = Self.mergeRank(of: incoming.condition, at: now)
        if offered != current { return offered > current }
        guard offered == 1, let mine = condition.endsAt, let theirs = incoming.condition.endsAt else { return true }
        return theirs >= mine
    }

    /// This health merged with another instance's decision `incoming` at `now`.
    /// - Returns: true when the health changed.
    @discardableResult
    public mutating func merge(_ incoming: KeyHealth, at now: Date) -> Bool {
        guard incoming != self, isSuperseded(by: incoming, at: now) else { return false }
        self = incoming
        return true
    }
}
