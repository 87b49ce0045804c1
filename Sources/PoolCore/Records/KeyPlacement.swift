/// Where a key stands in its provider's selection: its weight (share of the picks within its tier) and its tier
/// (tier 1 serves while any of its keys is usable; tier 2 only when none is; and so on).
public struct KeyPlacement: Sendable, Equatable, Hashable, Codable {
    public static let weights: ClosedRange<Int> = 1...100
    public static let tiers: ClosedRange<Int> = 1...9

    public var weight: Int
    public var tier: Int

    public init(weight: Int = 1, tier: Int = 1) {
        self.weight = weight
        self.tier = tier
    }

    /// A placement from client input, or a message saying which field is out of range.
    public static func checked(weight: Int?, tier: Int?) -> Result<KeyPlacement, KeyPlacementError> {
        let weight = weight ?? 1
        let tier = tier ?? 1
        guard weights.contains(weight) else {
            return .failure(
                KeyPlacementError("weight must be an integer from \(weights.lowerBound) to \(weights.upperBound)"))
        }
        guard tiers.contains(tier) else {
            return .failure(
                KeyPlacementError("tier must be an integer from \(tiers.lowerBound) to \(tiers.upperBound)"))
        }
        return .success(KeyPlacement(weight: weight, tier: tier))
    }
}

/// An out-of-range weight or tier; the message is safe to show a client.
public struct KeyPlacementError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
