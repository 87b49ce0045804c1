/// A key's new weight and tier, as an admin set them (stored, and published to other instances).
public struct KeyPlacementRecord: Sendable, Equatable {
    public var keyID: String
    public var placement: KeyPlacement

    public init(keyID: String, placement: KeyPlacement) {
        self.keyID = keyID
        self.placement = placement
    }
}
