import PoolCore

// TEMPORARY (issue #17): the pool branch provides these; delete this file when it lands.
extension PooledKey {
    var baseURL: String? { nil }
}

extension KeyPool {
    @discardableResult
    func setPlacement(keyID: String, _ placement: KeyPlacement) -> Bool { false }

    func serves(provider: ProviderID, model: String) -> Bool {
        views(provider: provider).contains { $0.models.contains(model) }
    }
}

extension KeyView {
    var placement: KeyPlacement { KeyPlacement() }
}
