import Foundation
import PoolCore

/// Errors a store reports at start or on use, phrased for operators.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}
