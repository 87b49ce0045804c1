import Foundation
import Synchronization

/// Where the pool reads the time. Injected so tests can move time without sleeping.
public protocol PoolClock: Sendable {
    var now: Date { get }
}

/// The wall clock.
public struct SystemClock: PoolClock {
    public init() {}
    public var now: Date { Date() }
}

/// A clock that only moves when told to; for tests and simulations.
public final class ManualClock: PoolClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public var now: Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
