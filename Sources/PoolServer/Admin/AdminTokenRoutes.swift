import Foundation
import Hummingbird
import PoolCore
import PoolStore

/// `/admin/tokens` (alias `/admin/client-tokens`): create, list and revoke client tokens.
struct AdminTokenRoutes {
    let store: any PoolStore
    let tokens: TokenRegistry
    let clock: any PoolClock
    let limits: GatewayConfiguration.Limits

    func register(on group: RouterGroup<GatewayRequestContext>) {
        for path in ["tokens", "client-tokens"] {
            group.get(RouterPath(path)) { _, _ in try list() }
            group.post(RouterPath(path)) { request, _ in try await create(request) }
            group.delete(RouterPath(path)) { request, _ in try await revokeFromBody(request) }
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

    private func create(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(
            CreateTokenRequest.self, from: request, limit: limits.maxBodyBytes, allowEmpty: true
        )
        let name = body.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty else { throw GatewayError.badRequest("field 'name' is required") }
        guard name.count <= 200 else { throw GatewayError.badRequest("field 'name' must be at most 200 characters") }
        let scope = try body.provider.map(AdminRequest.parseProvider)
        let now = clock.now
        let expiresAt = try body.expiry.date(now: now)
        let (token, record) = ClientTokenFactory.make(name: name, createdAt: now, expiresAt: expiresAt, provider: scope)
        try await store.insertToken(record)
        tokens.add(record)
        return try JSONResponse.make(TokenCreatedPayload(token: token, record: record), status: .created)
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
        return try JSONResponse.make(TokenRevokedPayload(id: id))
    }
}
