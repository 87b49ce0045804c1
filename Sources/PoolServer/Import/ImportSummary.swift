import Foundation
import PoolCore

/// The answer to every import: `total = added + duplicates + invalid.count`.
public struct ImportSummary: Codable, Sendable, Equatable {
    public var total: Int
    public var added: Int
    public var duplicates: Int
    public var invalid: [ImportProblem]
    /// The ids of the keys added, in input order (not part of the answer's JSON).
    public var addedIDs: [String]

    public init(total: Int, added: Int, duplicates: Int, invalid: [ImportProblem], addedIDs: [String] = []) {
        self.total = total
        self.added = added
        self.duplicates = duplicates
        self.invalid = invalid
        self.addedIDs = addedIDs
    }

    enum CodingKeys: String, CodingKey { case total, added, duplicates, invalid }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        total = try container.decode(Int.self, forKey: .total)
        added = try container.decode(Int.self, forKey: .added)
        duplicates = try container.decode(Int.self, forKey: .duplicates)
        invalid = try container.decode([ImportProblem].self, forKey: .invalid)
        addedIDs = []
    }
}
