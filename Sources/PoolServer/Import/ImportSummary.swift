import Foundation
import PoolCore

/// The answer to every import: `total = added + duplicates + invalid.count`.
public struct ImportSummary: Codable, Sendable, Equatable {
    public var total: Int
    public var added: Int
    public var duplicates: Int
    public var invalid: [ImportProblem]
}
