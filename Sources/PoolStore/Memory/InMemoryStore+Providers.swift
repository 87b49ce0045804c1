import PoolCore
import Synchronization

/// Provider definitions kept by `InMemoryStore`, in the order they were created (as the other stores load them).
struct InMemoryProviders {
    private var definitions: [ProviderID: ProviderDefinition] = [:]
    private var order: [ProviderID] = []

    /// The definitions in creation order.
    var ordered: [ProviderDefinition] { order.compactMap { definitions[$0] } }

    /// Creates or replaces; a replaced definition keeps its place.
    mutating func save(_ definition: ProviderDefinition) {
        if definitions.updateValue(definition, forKey: definition.name) == nil { order.append(definition.name) }
    }

    /// - Returns: false when none had the name.
    mutating func delete(_ name: ProviderID) -> Bool {
        guard definitions.removeValue(forKey: name) != nil else { return false }
        order.removeAll { $0 == name }
        return true
    }
}

extension InMemoryStore {
    /// Creates or replaces the definition named `definition.name`. One object is one writer: nothing is logged.
    public func saveProvider(_ definition: ProviderDefinition) async throws {
        try checkOpen()
        providerTable.withLock { $0.save(definition) }
    }

    /// Deletes a stored definition; the provider's keys stay.
    /// - Returns: false when none had the name.
    public func deleteProvider(name: ProviderID) async throws -> Bool {
        try checkOpen()
        return providerTable.withLock { $0.delete(name) }
    }
}
