import Foundation

/// A key's health as written back after traffic changed it.
public struct KeyHealthRecord: Sendable, Equatable {
    public var keyID: String
    public var health: KeyHealth

    public init(keyID: String, health: KeyHealth) {
        self.keyID = keyID
        self.health = health
    }
}
