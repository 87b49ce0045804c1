import Foundation
import Hummingbird
import Logging
import PoolCore
import PoolStore

/// `/admin/providers`: list, show, create, change and delete provider definitions (issue #17).
///
/// A change is stored first (so other instances apply it through the change feed), then applied to this
/// instance's registry, effective at once. Built-ins keep their name, base URL, OpenAI path and dialects (those
/// are settings) and cannot be deleted; the file's providers belong to the file (409). Answers are written with
/// the definition's own field names (`.asDeclared`): header names and alias keys are data, not property names.
struct AdminProviderRoutes {
    let registry: ProviderRegistry
    let pool: KeyPool
    let store: any PoolStore
    let limits: GatewayConfiguration.Limits
    let logger: Logger

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("providers") { _, _ in try list() }
        group.post("providers") { request, _ in try await create(request) }
        group.get("providers/:name") { _, context in try show(context.parameters.require("name")) }
        group.patch("providers/:name") { request, context in
            try await update(context.parameters.require("name"), request)
        }
        group.delete("providers/:name") { request, context in
            try await delete(context.parameters.require("name"), request)
        }
    }

    // MARK: Read

    private func list() throws -> Response {
        let catalog = registry.catalog
        let payloads = catalog.definitions.compactMap(payload)
        return try JSONResponse.make(ProviderListPayload(providers: payloads), keys: .asDeclared)
    }

    private func show(_ rawName: String) throws -> Response {
        let (_, definition) = try existing(rawName)
        return try answer(definition)
    }

    // MARK: Change

    private func create(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(ProviderFields.self, from: request, limit: limits.maxBodyBytes)
        let definition = try body.newDefinition()
        guard registry.catalog[definition.name] == nil else {
            throw GatewayError(.conflict, "a provider named '\(definition.name)' already exists")
        }
        try await store.saveProvider(definition)
        registry.applyStored(definition)
        logger.info("provider created", metadata: ["provider": "\(definition.name)"])
        return try answer(definition, status: .created)
    }

    private func update(_ rawName: String, _ request: Request) async throws -> Response {
        let (name, current) = try existing(rawName)
        let body = try await AdminBody.decode(ProviderFields.self, from: request, limit: limits.maxBodyBytes)
        let stored: ProviderDefinition
        switch registry.source(of: name) {
        case .file?:
            throw GatewayError(.conflict, "provider '\(name)' is defined in PROVIDERS_FILE; change it there")
        case .builtIn?:
            let fixed = body.namesFixedForBuiltIns
            guard fixed.isEmpty else {
                throw GatewayError.badRequest(
                    "'\(name)' is built in: \(fixed.joined(separator: ", ")) come from the gateway's settings; "
                        + "only probe, headers, timeouts, aliases and enabled can change")
            }
            stored = try body.changed(builtInOverride(current))
        case .store?, nil:
            guard body.name == nil || body.name?.lowercased() == name.rawValue else {
                throw GatewayError.badRequest("field 'name' cannot change; create a new provider instead")
            }
            stored = try body.changed(current)
        }
        try await store.saveProvider(stored)
        registry.applyStored(stored)
        logger.info("provider changed", metadata: ["provider": "\(name)"])
        guard let now = registry.catalog[name] else { throw GatewayError.notFound("no such provider") }
        return try answer(now)
    }

    private func delete(_ rawName: String, _ request: Request) async throws -> Response {
        let (name, _) = try existing(rawName)
        switch registry.source(of: name) {
        case .builtIn?:
            throw GatewayError.badRequest("'\(name)' is built in and cannot be deleted; set enabled to false instead")
        case .file?:
            throw GatewayError(.conflict, "provider '\(name)' is defined in PROVIDERS_FILE; remove it there")
        case .store?, nil:
            break
        }
        let deleteKeys = try Self.flag(request.uri.queryParameters.get("delete_keys"), name: "delete_keys")
        let keyIDs = keys(of: name).map(\.id)
        guard keyIDs.isEmpty || deleteKeys else {
            throw GatewayError(
                .conflict,
                "provider '\(name)' still has \(keyIDs.count) key(s); delete them first or pass ?delete_keys=true")
        }
        if !keyIDs.isEmpty {
            try await store.deleteKeys(ids: keyIDs)
            pool.remove(ids: keyIDs)
        }
        _ = try await store.deleteProvider(name: name)
        registry.removeStored(name)
        logger.info("provider deleted", metadata: ["provider": "\(name)", "keys_deleted": "\(keyIDs.count)"])
        return try JSONResponse.make(
            ProviderDeletedPayload(deleted: name.rawValue, keysDeleted: keyIDs.count), keys: .asDeclared)
    }

    // MARK: Helpers

    /// The provider named in the path, or a 404 listing the known ones.
    private func existing(_ rawName: String) throws -> (ProviderID, ProviderDefinition) {
        let catalog = registry.catalog
        guard let name = catalog.named(rawName), let definition = catalog[name] else {
            throw GatewayError.notFound(UnknownProvider(name: rawName, known: catalog.names).description)
        }
        return (name, definition)
    }

    /// What a built-in's stored override starts from: its definition as the catalog has it now (preset plus
    /// any override). Its `enabled` is the override's own unless the settings turned the preset off, where the
    /// override's cannot be told apart: then a change that does not name `enabled` leaves the override enabled.
    private func builtInOverride(_ current: ProviderDefinition) -> ProviderDefinition {
        var override = current
        if let preset = registry.builtIn.first(where: { $0.name == current.name }), !preset.enabled {
            override.enabled = true
        }
        return override
    }

    /// The keys the pool holds for `provider` (none for a provider the pool has never seen).
    private func keys(of provider: ProviderID) -> [KeyView] {
        pool.providerIDs.contains(provider) ? pool.views(provider: provider) : []
    }

    private func payload(_ definition: ProviderDefinition) -> ProviderPayload? {
        guard let source = registry.source(of: definition.name) else { return nil }
        let counts = pool.providerIDs.contains(definition.name) ? pool.statusCounts(provider: definition.name) : [:]
        return ProviderPayload(definition, source: source, keys: counts)
    }

    private func answer(_ definition: ProviderDefinition, status: HTTPResponse.Status = .ok) throws -> Response {
        guard let payload = payload(definition) else { throw GatewayError.notFound("no such provider") }
        return try JSONResponse.make(SingleProviderPayload(provider: payload), status: status, keys: .asDeclared)
    }

    /// A yes/no query parameter: absent or `false`/`0` is no, `true`/`1` is yes, anything else a 400.
    static func flag(_ raw: String?, name: String) throws -> Bool {
        switch raw?.lowercased() {
        case nil, "", "false", "0": return false
        case "true", "1": return true
        default: throw GatewayError.badRequest("'\(name)' must be true or false")
        }
    }
}
