import Foundation

/// A key's health as written back after traffic, a probe or an admin changed it.
public struct KeyHealthRecord: Sendable, Equatable {
    public var keyID: String
    public var health: KeyHealth
    /// When this instance decided the health (the attempt or probe that changed it), nil for an admin's change,
    /// which the store stamps with its own time. The store keeps a key's last replacement's time and ignores a
    /// decision made before it: a penalty or a probe's lift that reaches the store late (a retried batch, a
    /// publisher catching up after an outage) never undoes an admin's later enable or disable.
    public var decidedAt: Date?

    public init(keyID: String, health: KeyHealth, decidedAt: Date? = nil) {
        self.keyID = keyID
        self.health = health
        self.decidedAt = decidedAt
    }
}
