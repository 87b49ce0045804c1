import Foundation

/// What the pool currently thinks of a key, apart from expiry (which follows from `expiresAt`).
public enum KeyCondition: Sendable, Equatable {
    case active
    /// Temporarily resting; usable again from `until`.
    case cooling(until: Date, reason: String)
    /// Off until `until`, or until an admin enables it when `until` is nil.
    case disabled(until: Date?, reason: String)
    /// Rejected by the upstream; only a successful probe or an admin brings it back.
    case invalid(reason: String)

    /// The moment this condition ends by itself, if it does.
    public var endsAt: Date? {
        switch self {
        case .active, .invalid: return nil
        case .cooling(let until, _): return until
        case .disabled(let until, _): return until
        }
    }

    public var reason: String? {
        switch self {
        case .active: return nil
        case .cooling(_, let reason), .disabled(_, let reason), .invalid(let reason): return reason
        }
    }
}
