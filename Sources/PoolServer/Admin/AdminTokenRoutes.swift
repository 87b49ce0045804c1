import Foundation
import Hummingbird
import PoolCore
import PoolStore

/// `/admin/tokens` (alias `/admin/client-tokens`): create, list and revoke client tokens.
struct AdminTokenRoutes {
    let gateway: Gateway

    func register(on group: RouterGroup<GatewayRequestContext>) {
        for path in ["tokens", "client-tokens"] {
            group.get(RouterPath(path)) { _, _ in try list() }
            group.post(RouterPath(path)) { request, _ in try await create(request) }
            group.delete(RouterPath(path)) { request, _ in try await revokeFromBody(request) }
            group.delete(RouterPath("\(path)/:id")) { _, context in try await revoke(id: context.parameters.require("id")) }
        }
    }

    private func list() throws -> Response {
        let now = gateway.clock.now
        struct Answer: Encodable {
            var tokens: [TokenPayload]
            var total: Int
        }
        let tokens = gateway.tokens.entries().map { TokenPayload($0, now: now) }
        return try JSONResponse.make(Answer(tokens: tokens, total: tokens.count))
    }

    private func create(_ request: Request) async throws -> Response {
        var request = request
        let body = try await JSONBody.read(&request, limit: gateway.configuration.limits.maxBodyBytes, allowEmpty: true)
        let name = (try body.string("name"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty else { throw GatewayError.badRequest("field 'name' is required") }
        guard name.count <= 200 else { throw GatewayError.badRequest("field 'name' must be at most 200 characters") }
        let scope = try body.string("provider").map(AdminRequest.parseProvider)
        let now = gateway.clock.now
        let expiresAt = try AdminRequest.expiry(body, now: now)
        let (token, record) = ClientTokenFactory.make(name: name, createdAt: now, expiresAt: expiresAt, provider: scope)
        try await gateway.store.insertToken(record)
        gateway.tokens.add(record)
        struct Answer: Encodable {
            var success = true
            /// The full token: shown in this answer only.
            var token: String
            var id: String
            var name: String
            var prefix: String
            var provider: String?
            var createdAt: Date
            var expiresAt: Date?
        }
        return try JSONResponse.make(Answer(
            token: token, id: record.id, name: record.name, prefix: record.prefix + "…",
            provider: record.provider?.rawValue, createdAt: record.createdAt, expiresAt: record.expiresAt
        ), status: .created)
    }

    private func revokeFromBody(_ request: Request) async throws -> Response {
        var request = request
        let body = try await JSONBody.read(&request, limit: gateway.configuration.limits.maxBodyBytes, allowEmpty: true)
        guard let id = try body.string("id") ?? request.uri.queryParameters.get("id") else {
            throw GatewayError.badRequest("field 'id' is required")
        }
        return try await revoke(id: id)
    }

    private func revoke(id: String) async throws -> Response {
        guard try await gateway.store.deleteToken(id: id) || gateway.tokens.entries().contains(where: { $0.record.id == id }) else {
            throw GatewayError.notFound("no such token")
        }
        gateway.tokens.remove(id: id)
        struct Answer: Encodable {
            var success = true
            var id: String
        }
        return try JSONResponse.make(Answer(id: id))
    }
}
