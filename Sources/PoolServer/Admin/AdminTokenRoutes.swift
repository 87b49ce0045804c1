import Foundation
import Hummingbird
import PoolCore
import PoolStore

/// `/admin/tokens` (alias `/admin/client-tokens`): create, list, show, change and revoke client tokens and
/// their policies (limits, quotas, model list, cache scope, note).
struct AdminTokenRoutes {
    let store: any PoolStore
    let tokens: TokenRegistry
    let clock: any PoolClock
    let limits: GatewayConfiguration.Limits
    /// `DEFAULT_TOKEN_*`: what a new token's policy starts from.
    let defaults: TokenPolicy
    /// The response cache, cleared of a token's answers when the token goes.
    let guards: ClientGuards
    /// The live provider catalog: every provider name a request gives is checked against it.
    let providers: ProviderRegistry

    func register(on group: RouterGroup<GatewayRequestContext>) {
        for path in ["tokens", "client-tokens"] {
            group.get(RouterPath(path)) { _, _ in try list() }
            group.post(RouterPath(path)) { request, _ in try await create(request) }
            group.delete(RouterPath(path)) { request, _ in try await revokeFromBody(request) }
            group.get(RouterPath("\(path)/:id")) { _, context in try show(id: context.parameters.require("id")) }
            group.patch(RouterPath("\(path)/:id")) { request, context in
                try await update(id: context.parameters.require("id"), request)
            }
            group.delete(RouterPath("\(path)/:id")) { _, context in
                try await revoke(id: context.parameters.require("id"))
            }
        }
    }

    private func list() throws -> Response {
        let now = clock.now
        let entries = tokens.entries().map { TokenPayload($0, now: now) }
        return try JSONResponse.make(TokenListPayload(tokens: entries, total: entries.count))
    }

    private func show(id: String) throws -> Response {
        guard let entry = tokens.entry(id: id) else { throw GatewayError.notFound("no such token") }
        return try JSONResponse.make(TokenUpdatedPayload(token: TokenPayload(entry, now: clock.now)))
    }

    private func create(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(
            CreateTokenRequest.self, from: request, limit: limits.maxBodyBytes, allowEmpty: true
        )
        let name = try Self.checkedName(body.name)
        let scope = try body.provider.map { try AdminRequest.parseProvider($0, catalog: providers.catalog) }
        let policy = try body.policy.applied(to: defaults)
        let now = clock.now
        let expiresAt = try body.expiry.date(now: now)
        let (token, record) = ClientTokenFactory.make(
            name: name, createdAt: now, expiresAt: expiresAt, provider: scope, policy: policy)
        try await store.insertToken(record)
        tokens.add(record)
        return try JSONResponse.make(TokenCreatedPayload(token: token, record: record), status: .created)
    }

    private func update(id: String, _ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(
            UpdateTokenRequest.self, from: request, limit: limits.maxBodyBytes, allowEmpty: true
        )
        guard let entry = tokens.entry(id: id) else { throw GatewayError.notFound("no such token") }
        var record = entry.record
        if body.name != nil { record.name = try Self.checkedName(body.name) }
        switch body.provider {
        case .absent: break
        case .cleared: record.provider = nil
        case .set(let raw): record.provider = try AdminRequest.parseProvider(raw, catalog: providers.catalog)
        }
        if body.expiry.ttl != nil || body.expiry.expiresAt != nil {
            record.expiresAt = try body.expiry.date(now: clock.now)
        }
        record.policy = try body.policy.applied(to: record.policy)
        guard try await store.updateToken(record) else { throw GatewayError.notFound("no such token") }
        tokens.upsert(record)
        guard let updated = tokens.entry(id: id) else { throw GatewayError.notFound("no such token") }
        return try JSONResponse.make(TokenUpdatedPayload(token: TokenPayload(updated, now: clock.now)))
    }

    private func revokeFromBody(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(
            RevokeTokenRequest.self, from: request, limit: limits.maxBodyBytes, allowEmpty: true
        )
        guard let id = body.id ?? request.uri.queryParameters.get("id") else {
            throw GatewayError.badRequest("field 'id' is required")
        }
        return try await revoke(id: id)
    }

    private func revoke(id: String) async throws -> Response {
        guard try await store.deleteToken(id: id) || tokens.entries().contains(where: { $0.record.id == id }) else {
            throw GatewayError.notFound("no such token")
        }
        tokens.remove(id: id)
        guards.responseCache.clear(tokenID: id)
        return try JSONResponse.make(TokenRevokedPayload(id: id))
    }

    /// A token's name: required, trimmed, at most 200 characters.
    static func checkedName(_ raw: String?) throws -> String {
        let name = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty else { throw GatewayError.badRequest("field 'name' is required") }
        guard name.count <= 200 else { throw GatewayError.badRequest("field 'name' must be at most 200 characters") }
        return name
    }
}
