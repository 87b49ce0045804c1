import Foundation
import Synchronization

/// What the provider-aware gateway asks of the pool: identity lookups, who serves a model, and placements.
extension KeyPool {
    /// True when `provider` already holds a key of this identity (see `KeyIdentity`).
    public func contains(identity: String, provider: ProviderID) -> Bool {
        guarded(provider)?.rotation.withLock { $0.contains(identity: identity) } ?? false
    }

    /// The id of the key of `provider` with this identity (see `KeyIdentity`), if present.
    public func id(identity: String, provider: ProviderID) -> String? {
        guarded(provider)?.rotation.withLock { rotation in
            rotation.handle(forIdentity: identity).flatMap { rotation.slots[$0]?.key.id }
        }
    }

    /// True when some key of `provider`, in any state, lists `model` (`name` and `name:latest` are one model).
    /// Keys whose models are not known yet do not count: this asks who is known to serve a model.
    public func serves(provider: ProviderID, model: String) -> Bool {
        guarded(provider)?.rotation.withLock { $0.serves(model: model) } ?? false
    }

    /// Moves a key to another weight and tier, whatever its state; routing follows at once.
    /// - Returns: false for an unknown id.
    @discardableResult
    public func setPlacement(keyID: String, _ placement: KeyPlacement) -> Bool {
        for guarded in everyGuarded {
            let found = guarded.rotation.withLock { rotation -> Bool in
                guard let handle = rotation.handle(forID: keyID) else { return false }
                rotation.setPlacement(placement, handle: handle)
                return true
            }
            if found { return true }
        }
        return false
    }
}
