import PoolCore

// TEMPORARY (issue #17, phase 0): the stores implement these in the store branch, which deletes this file.
extension PoolStore {
    public func saveProvider(_ definition: ProviderDefinition) async throws {
        throw StoreError("providers are not stored yet")
    }
    public func deleteProvider(name: ProviderID) async throws -> Bool {
        throw StoreError("providers are not stored yet")
    }
    public func updateKeyPlacements(_ records: [KeyPlacementRecord]) async throws {
        throw StoreError("key placements are not stored yet")
    }
}
