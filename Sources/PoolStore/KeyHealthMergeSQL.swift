import Foundation

/// `KeyHealth.merge` (PoolCore) as SQL, for both stores: health decided by traffic or probes replaces a stored
/// health only when the rule says so, so a late writer never shortens a penalty another instance stored.
enum KeyHealthMergeSQL {
    /// `KeyHealth.mergeRank` of a stored condition (`status`, `until` as columns or expressions) at `now`.
    static func rank(status: String, until: String, now: Double) -> String {
        """
        (CASE WHEN \(status) = 'invalid' THEN 2 WHEN \(status) = 'disabled' AND \(until) IS NULL THEN 3 \
        WHEN \(status) IN ('cooling', 'disabled') AND \(until) > \(literal(now)) THEN 1 ELSE 0 END)
        """
    }

    /// True (as SQL) when the offered condition supersedes the stored one (`KeyHealth.isSuperseded(by:at:)`).
    static func offeredWins(
        storedStatus: String, storedUntil: String, status: String, until: String, now: Double
    ) -> String {
        let stored = rank(status: storedStatus, until: storedUntil, now: now)
        let offered = rank(status: status, until: until, now: now)
        return
            "(\(offered) > \(stored) OR (\(offered) = \(stored) AND (\(offered) <> 1 OR \(until) >= \(storedUntil))))"
    }

    /// True (as SQL) when a decision made at `decidedAt` (seconds, NULL when unknown) comes after the key's last
    /// replacement `replacedAt` (an admin's change or a probe's lift, `KeyHealthRecord.decidedAt`): a decision
    /// made before it is stale, whatever its rank, and must not undo it.
    static func notBeforeReplacement(replacedAt: String, decidedAt: String) -> String {
        "(\(replacedAt) IS NULL OR \(decidedAt) IS NULL OR \(decidedAt) >= \(replacedAt))"
    }

    /// A number as an SQL literal (never exponent notation for dates).
    static func literal(_ value: Double) -> String { String(format: "%.6f", value) }
}
