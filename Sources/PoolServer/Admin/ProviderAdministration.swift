import Foundation
import HTTPTypes
import PoolCore
import PoolStore

/// The rules of changing providers, shared by `/admin/providers` and `ollama-pool providers`: a change is checked
/// (`ProviderRules`), stored first (other instances apply it through the change feed), then applied to the live
/// registry, effective at once. Built-ins keep their name, base URL, OpenAI path and dialects (settings) and
/// cannot be deleted (400); the file's providers belong to the file (409); a provider with keys goes only with
/// them (409 unless asked). Errors are `GatewayError`s with the status the admin API answers.
public struct ProviderAdministration: Sendable {
    let registry: ProviderRegistry
    let pool: KeyPool
    let store: any PoolStore

    init(registry: ProviderRegistry, pool: KeyPool, store: any PoolStore) {
        self.registry = registry
        self.pool = pool
        self.store = store
    }

    public init(gateway: Gateway) {
        self.init(registry: gateway.providers, pool: gateway.pool, store: gateway.store)
    }

    /// The provider named `rawName` (any case) in the live catalog.
    /// - Throws: `GatewayError` 400 listing the known ones.
    public func parse(_ rawName: String) throws -> ProviderID {
        try AdminRequest.parseProvider(rawName, catalog: registry.catalog)
    }

    /// Every provider in the catalog's order (built-ins first), with its source and its keys by status.
    public func listing() -> [ProviderListing] {
        registry.catalog.definitions.compactMap(listing)
    }

    /// The provider named `rawName` (any case).
    /// - Throws: `GatewayError` 404 listing the known names.
    public func provider(named rawName: String) throws -> ProviderListing {
        let (_, definition) = try existing(rawName)
        guard let listed = listing(definition) else { throw GatewayError.notFound("no such provider") }
        return listed
    }

    /// Adds an operator's provider.
    /// - Throws: `GatewayError` 400 (invalid, naming the field) or 409 (the name is taken).
    @discardableResult
    public func create(_ definition: ProviderDefinition) async throws -> ProviderListing {
        var definition = definition
        definition.baseURL = ProviderRules.normalizedBaseURL(definition.baseURL)
        try ProviderFields.check(definition)
        guard registry.catalog[definition.name] == nil else {
            throw GatewayError(.conflict, "a provider named '\(definition.name)' already exists")
        }
        try await store.saveProvider(definition)
        registry.applyStored(definition)
        return try provider(named: definition.name.rawValue)
    }

    /// Changes some fields of a provider (a built-in's editable ones: kept as its override).
    /// - Throws: `GatewayError` 404, 400 (a field that cannot change, or an invalid result) or 409 (the file's).
    func update(_ rawName: String, with fields: ProviderFields) async throws -> ProviderListing {
        let (name, current) = try existing(rawName)
        let stored: ProviderDefinition
        switch registry.source(of: name) {
        case .file?:
            throw GatewayError(.conflict, "provider '\(name)' is defined in PROVIDERS_FILE; change it there")
        case .builtIn?:
            let fixed = fields.namesFixedForBuiltIns
            guard fixed.isEmpty else {
                throw GatewayError.badRequest(
                    "'\(name)' is built in: \(fixed.joined(separator: ", ")) come from the gateway's settings; "
                        + "only probe, headers, timeouts, aliases and enabled can change")
            }
            stored = try fields.changed(builtInOverride(current))
        case .store?, nil:
            guard fields.name == nil || fields.name?.lowercased() == name.rawValue else {
                throw GatewayError.badRequest("field 'name' cannot change; create a new provider instead")
            }
            stored = try fields.changed(current)
        }
        try await store.saveProvider(stored)
        registry.applyStored(stored)
        return try provider(named: name.rawValue)
    }

    /// Deletes an operator's provider, and with `deleteKeys` its keys.
    /// - Returns: how many keys were deleted.
    /// - Throws: `GatewayError` 404, 400 (built in), 409 (the file's, or it has keys and `deleteKeys` is false).
    @discardableResult
    public func delete(_ rawName: String, deleteKeys: Bool) async throws -> (name: ProviderID, keysDeleted: Int) {
        let (name, _) = try existing(rawName)
        switch registry.source(of: name) {
        case .builtIn?:
            throw GatewayError.badRequest("'\(name)' is built in and cannot be deleted; set enabled to false instead")
        case .file?:
            throw GatewayError(.conflict, "provider '\(name)' is defined in PROVIDERS_FILE; remove it there")
        case .store?, nil:
            break
        }
        let keyIDs = keys(of: name).map(\.id)
        guard keyIDs.isEmpty || deleteKeys else {
            throw GatewayError(
                .conflict,
                "provider '\(name)' still has \(keyIDs.count) key(s); delete them first or pass delete_keys=true")
        }
        if !keyIDs.isEmpty {
            try await store.deleteKeys(ids: keyIDs)
            pool.remove(ids: keyIDs)
        }
        _ = try await store.deleteProvider(name: name)
        registry.removeStored(name)
        return (name, keyIDs.count)
    }

    // MARK: Helpers

    /// The provider named `rawName`, or a 404 listing the known ones.
    private func existing(_ rawName: String) throws -> (ProviderID, ProviderDefinition) {
        let catalog = registry.catalog
        guard let name = catalog.named(rawName), let definition = catalog[name] else {
            throw GatewayError.notFound(UnknownProvider(name: rawName, known: catalog.names).description)
        }
        return (name, definition)
    }

    /// What a built-in's stored override starts from: its definition as the catalog has it now (preset plus
    /// any override), less what the settings give it. Headers the preset has with the same value are left out,
    /// so a later change of the setting (e.g. `OPENROUTER_REFERER`) still applies. Its `enabled` is the
    /// override's own unless the settings turned the preset off, where the override's cannot be told apart: then
    /// a change that does not name `enabled` leaves the override enabled.
    private func builtInOverride(_ current: ProviderDefinition) -> ProviderDefinition {
        var override = current
        guard let preset = registry.builtIn.first(where: { $0.name == current.name }) else { return override }
        override.headers = current.headers.filter { name, value in preset.headers[name] != value }
        if !preset.enabled { override.enabled = true }
        return override
    }

    /// The keys the pool holds for `provider` (none for a provider the pool has never seen).
    private func keys(of provider: ProviderID) -> [KeyView] {
        pool.providerIDs.contains(provider) ? pool.views(provider: provider) : []
    }

    private func listing(_ definition: ProviderDefinition) -> ProviderListing? {
        guard let source = registry.source(of: definition.name) else { return nil }
        let counts = pool.providerIDs.contains(definition.name) ? pool.statusCounts(provider: definition.name) : [:]
        return ProviderListing(definition: definition, source: source.rawValue, keys: counts)
    }
}

/// One provider as the admin API and the command line list it.
public struct ProviderListing: Sendable {
    /// In clear: whoever shows it masks the header values (`ProviderPayload`).
    public var definition: ProviderDefinition
    /// `built_in`, `file` or `store`.
    public var source: String
    public var keys: [KeyStatus: Int]
}
