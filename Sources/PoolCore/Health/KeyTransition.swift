import Foundation

/// What one outcome did to a key, for logs and for the pool's bookkeeping.
public enum KeyTransition: Sendable, Equatable {
    case unchanged
    case recovered
    case becameInvalid
    case cooled(until: Date)
    case disabled(until: Date)
}
