/// Where a limiter's budget comes from. With one process the limiter holds each window's whole budget, so the
/// limits are exact. With several instances sharing a PostgreSQL store each one serves from slices of a window's
/// budget that it leased from the store (one conditional UPDATE, off the request path), so the instances
/// together never serve more than the limit; what an instance leased and did not use is lost at the window's end
/// (the documented under-use: at most one slice per instance and window).
public enum BudgetMode: Sendable, Equatable {
    /// The limiter holds the whole budget.
    case whole
    /// The limiter serves from leased slices of `sliceFraction` of a limit (at least 1) at a time.
    case leased(sliceFraction: Double)

    /// The slice an instance asks for at once for a limit.
    func sliceSize(limit: Int) -> Int {
        switch self {
        case .whole: limit
        case .leased(let fraction): max(1, min(limit, Int((Double(limit) * fraction).rounded(.up))))
        }
    }
}

/// A slice of a window's budget an instance wants: the leaser asks the store for it and hands the grant back to
/// the limiter with ``TokenLimiter/grant(_:)``.
public struct BudgetRequest: Sendable, Equatable {
    public var kind: LimitKind
    /// Start of the window (seconds since 1970): the minute, or the quota period (0 for `total`).
    public var windowStart: Int64
    public var amount: Int
    /// The limit the store must not lease beyond, summed over all instances.
    public var limit: Int

    public init(kind: LimitKind, windowStart: Int64, amount: Int, limit: Int) {
        self.kind = kind
        self.windowStart = windowStart
        self.amount = amount
        self.limit = limit
    }
}

/// What the store granted for a ``BudgetRequest`` (possibly less than asked, 0 when the window is spent).
public struct BudgetGrant: Sendable, Equatable {
    public var kind: LimitKind
    public var windowStart: Int64
    public var requested: Int
    public var granted: Int

    public init(kind: LimitKind, windowStart: Int64, requested: Int, granted: Int) {
        self.kind = kind
        self.windowStart = windowStart
        self.requested = requested
        self.granted = granted
    }
}

/// One limit's leased budget in its current window, and a slice already leased for the next one (so a new
/// window does not start with nothing to serve).
struct BudgetSlice {
    var windowStart: Int64 = .min
    var granted = 0
    var used = 0
    /// The store granted less than asked: the window's budget is spent for every instance.
    var exhausted = false
    var nextWindowStart: Int64 = .min
    var nextGranted = 0
    /// A request for this limit is out at the store.
    var pending = false

    var available: Int { max(0, granted - used) }

    mutating func roll(to start: Int64) {
        guard start != windowStart else { return }
        granted = nextWindowStart == start ? nextGranted : 0
        windowStart = start
        used = 0
        exhausted = false
        nextWindowStart = .min
        nextGranted = 0
    }

    mutating func apply(_ grant: BudgetGrant) {
        if grant.windowStart == windowStart {
            granted += grant.granted
            if grant.granted < grant.requested { exhausted = true }
        } else if grant.windowStart > windowStart {
            if nextWindowStart != grant.windowStart {
                nextWindowStart = grant.windowStart
                nextGranted = 0
            }
            nextGranted += grant.granted
        }
    }
}
