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
