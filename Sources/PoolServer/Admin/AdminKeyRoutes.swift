import Foundation
import Hummingbird
import Logging
import PoolCore
import PoolStore

/// `/admin/api-keys` (and a key's placement, `PATCH /admin/api-keys/{id}`), `/admin/import` and
/// `/admin/keys/enable|disable`.
struct AdminKeyRoutes {
    let pool: KeyPool
    let store: any PoolStore
    let clock: any PoolClock
    let limits: GatewayConfiguration.Limits
    let importer: KeyImporter
    let logger: Logger
    /// The live provider catalog: every provider name a request gives is checked against it.
    let providers: ProviderRegistry

    var limit: Int { limits.maxBodyBytes }
    /// Imports carry whole key files, so they get their own, larger limit.
    var importLimit: Int { max(limits.maxImportBytes, limit) }

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("api-keys") { request, _ in try await list(request) }
        group.post("api-keys") { request, _ in try await add(request) }
        group.delete("api-keys") { request, _ in try await deleteFromBody(request) }
        group.delete("api-keys/:id") { request, context in
            try await delete(ids: [context.parameters.require("id")], provider: nil)
        }
        group.patch("api-keys/:id") { request, context in
            try await updatePlacement(id: context.parameters.require("id"), request)
        }
        group.post("api-keys/import") { request, _ in try await importKeys(request, preferring: .keys) }
        group.post("api-keys/import-from-txt") { request, _ in try await importText(request) }
        group.post("import") { request, _ in try await importKeys(request, preferring: .accounts) }
        group.post("keys/enable") { request, _ in try await enable(request) }
        group.post("keys/disable") { request, _ in try await disable(request) }
    }

    // MARK: List and add

    private func list(_ request: Request) async throws -> Response {
        try await OffLoop.run { try listNow(request) }
    }

    private func listNow(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let provider = try AdminRequest.provider(query: request, body: nil, catalog: providers.catalog)
        let page = try AdminRequest.integer(query.get("page"), name: "page", range: 1...Int.max) ?? 1
        let pageSize =
            try AdminRequest.integer(
                query.get("pageSize") ?? query.get("page_size"), name: "pageSize", range: 1...200
            ) ?? 50
        let status = try query.get("status").flatMap { raw -> KeyStatus? in
            if raw.isEmpty || raw == "all" { return nil }
            guard let status = KeyStatus(rawValue: raw) else {
                throw GatewayError.badRequest(
                    "unknown status '\(raw)'; use one of \(KeyStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
        let rawSearch = query.get("search")?.trimmingCharacters(in: .whitespaces) ?? ""
        let search = rawSearch.lowercased()
        let exactID = search.isEmpty ? nil : pool.resolveID(rawSearch, provider: provider)
        let views = pool.views(provider: provider)
        let counts = StatusCountsPayload(Dictionary(grouping: views, by: \.status).mapValues(\.count))
        let filtered = views.filter { view in
            if let status, view.status != status { return false }
            guard !search.isEmpty else { return true }
            if view.id == exactID { return true }
            return view.id.lowercased().contains(search)
                || (view.username?.lowercased().contains(search) ?? false)
                || (view.category?.lowercased().contains(search) ?? false)
                || view.models.contains { $0.lowercased().contains(search) }
        }
        // A page past the end is empty; clamping first keeps `page * pageSize` from overflowing for any page.
        let start = min(min(page - 1, filtered.count / pageSize + 1) * pageSize, filtered.count)
        let pageItems = filtered[start..<min(start + pageSize, filtered.count)].map(KeyPayload.init)
        return try JSONResponse.make(
            KeyListPayload(
                provider: provider.rawValue, keys: pageItems, total: filtered.count, page: page, pageSize: pageSize,
                totalPages: max(1, (filtered.count + pageSize - 1) / pageSize), counts: counts
            ))
    }

    private func add(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(AddKeyRequest.self, from: request, limit: limit)
        let provider = try AdminRequest.provider(query: request, body: body, catalog: providers.catalog)
        let defaults = try body.placement.importDefaults()
        let parsed = try defaults.singleKey(secret: body.apiKey, username: body.username)
        let expiresAt = try body.expiry.date(now: clock.now)
        let summary = try await importer.importKeys(parsed, provider: provider, expiresAt: expiresAt)
        guard summary.added == 1, let id = summary.addedIDs.first, let view = pool.view(id: id) else {
            throw GatewayError(.conflict, "this key is already in the \(provider) pool")
        }
        return try JSONResponse.make(SingleKeyPayload(key: KeyPayload(view)), status: .created)
    }

    // MARK: Placement

    /// `PATCH /admin/api-keys/{id}`: a new weight and/or tier, stored first, then applied to the pool.
    private func updatePlacement(id reference: String, _ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(UpdateKeyRequest.self, from: request, limit: limit)
        guard body.baseURL == nil else {
            throw GatewayError.badRequest(
                "field 'base_url' cannot change: it is part of the key's identity; delete the key and add it again")
        }
        let weight = try KeyPlacementFields.whole(body.weight, "weight")
        let tier = try KeyPlacementFields.whole(body.tier, "tier")
        guard weight != nil || tier != nil else {
            throw GatewayError.badRequest("field 'weight' or 'tier' is required")
        }
        guard let id = pool.resolveID(reference), let current = pool.view(id: id) else {
            throw GatewayError.notFound("no such key")
        }
        let placement: KeyPlacement
        switch KeyPlacement.checked(weight: weight ?? current.placement.weight, tier: tier ?? current.placement.tier) {
        case .success(let checked): placement = checked
        case .failure(let error): throw GatewayError.badRequest(error.message)
        }
        try await store.updateKeyPlacements([KeyPlacementRecord(keyID: id, placement: placement)])
        guard pool.setPlacement(keyID: id, placement), let view = pool.view(id: id) else {
            throw GatewayError.notFound("no such key")
        }
        return try JSONResponse.make(SingleKeyPayload(key: KeyPayload(view)))
    }

    // MARK: Delete

    private func deleteFromBody(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(DeleteKeysRequest.self, from: request, limit: limit, allowEmpty: true)
        let provider = try AdminRequest.providerIfGiven(query: request, body: body, catalog: providers.catalog)
        var references = body.ids ?? []
        if let single = body.reference { references.append(single) }
        if let fromQuery = request.uri.queryParameters.get("id") { references.append(fromQuery) }
        guard !references.isEmpty else {
            throw GatewayError.badRequest("name the keys to delete: 'id', 'apiKey' or 'ids'")
        }
        return try await delete(ids: references, provider: provider)
    }

    private func delete(ids references: [String], provider: ProviderID?) async throws -> Response {
        let ids = references.compactMap { pool.resolveID($0, provider: provider) }
        guard !ids.isEmpty else { throw GatewayError.notFound("no such key") }
        try await store.deleteKeys(ids: ids)
        let removed = pool.remove(ids: ids)
        return try JSONResponse.make(
            KeysDeletedPayload(deleted: removed.count, notFound: references.count - removed.count, ids: removed)
        )
    }

    // MARK: Import

    private func importKeys(
        _ request: Request, preferring field: ImportKeysRequest.ArrayField
    ) async throws -> Response {
        let body = try await AdminBody.decode(ImportKeysRequest.self, from: request, limit: importLimit)
        let provider = try AdminRequest.provider(query: request, body: body, catalog: providers.catalog)
        let parsed = try await ImportBody.parse(
            body, preferring: field, textFirst: false,
            missing: "field '\(field.rawValue)' (an array) or 'content' (text) is required"
        )
        return try await answerImport(parsed, provider: provider, body: body)
    }

    private func importText(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(ImportKeysRequest.self, from: request, limit: importLimit)
        let provider = try AdminRequest.provider(query: request, body: body, catalog: providers.catalog)
        let parsed = try await ImportBody.parse(
            body, preferring: .keys, textFirst: true, missing: "field 'content' is required"
        )
        return try await answerImport(parsed, provider: provider, body: body)
    }

    private func answerImport(
        _ parsed: ImportParseResult, provider: ProviderID, body: ImportKeysRequest
    ) async throws -> Response {
        let expiresAt = try body.expiry.date(now: clock.now)
        let defaults = try body.placement.importDefaults()
        let summary = try await importer.importKeys(
            defaults.apply(to: parsed), provider: provider, expiresAt: expiresAt)
        logger.info(
            "keys imported",
            metadata: [
                "provider": "\(provider)", "added": "\(summary.added)", "duplicates": "\(summary.duplicates)",
                "invalid": "\(summary.invalid.count)",
            ])
        return try JSONResponse.make(ImportResultPayload(summary, provider: provider))
    }

    // MARK: Enable and disable

    private func enable(_ request: Request) async throws -> Response {
        try await changeHealth(request) { health, _, _ in health.enable() }
    }

    private func disable(_ request: Request) async throws -> Response {
        try await changeHealth(request) { health, now, body in
            health.disable(for: try AdminRequest.disableDuration(body.duration), at: now)
        }
    }

    private func changeHealth(
        _ request: Request, _ change: @escaping (inout KeyHealth, Date, ChangeKeyHealthRequest) throws -> Void
    ) async throws -> Response {
        let body = try await AdminBody.decode(ChangeKeyHealthRequest.self, from: request, limit: limit)
        let provider = try AdminRequest.providerIfGiven(query: request, body: body, catalog: providers.catalog)
        guard let reference = body.reference else {
            throw GatewayError.badRequest("field 'id' or 'apiKey' is required")
        }
        guard let id = pool.resolveID(reference, provider: provider) else { throw GatewayError.notFound("no such key") }
        var failure: (any Error)?
        let updated = pool.updateHealth(id: id) { health, now in
            do { try change(&health, now, body) } catch { failure = error }
        }
        if let failure { throw failure }
        guard let updated else { throw GatewayError.notFound("no such key") }
        try await store.updateKeyHealth([KeyHealthRecord(keyID: id, health: updated)])
        guard let view = pool.view(id: id) else { throw GatewayError.notFound("no such key") }
        return try JSONResponse.make(SingleKeyPayload(key: KeyPayload(view)))
    }
}
