import Foundation
import Hummingbird
import Logging
import PoolCore

/// `/admin/providers`: list, show, create, change and delete provider definitions (issue #17); the rules are
/// `ProviderAdministration`'s. Answers are written with the definition's own field names (`.asDeclared`): header
/// names and alias keys are data, not property names to convert.
struct AdminProviderRoutes {
    let administration: ProviderAdministration
    let limits: GatewayConfiguration.Limits
    let logger: Logger

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("providers") { _, _ in
            try JSONResponse.make(
                ProviderListPayload(providers: administration.listing().map(ProviderPayload.init)), keys: .asDeclared)
        }
        group.post("providers") { request, _ in try await create(request) }
        group.get("providers/:name") { _, context in
            try answer(administration.provider(named: context.parameters.require("name")))
        }
        group.patch("providers/:name") { request, context in
            try await update(context.parameters.require("name"), request)
        }
        group.delete("providers/:name") { request, context in
            try await delete(context.parameters.require("name"), request)
        }
    }

    private func create(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(ProviderFields.self, from: request, limit: limits.maxBodyBytes)
        let created = try await administration.create(try body.newDefinition())
        logger.info("provider created", metadata: ["provider": "\(created.definition.name)"])
        return try answer(created, status: .created)
    }

    private func update(_ name: String, _ request: Request) async throws -> Response {
        _ = try administration.provider(named: name)  // 404 before reading the body
        let body = try await AdminBody.decode(ProviderFields.self, from: request, limit: limits.maxBodyBytes)
        let updated = try await administration.update(name, with: body)
        logger.info("provider changed", metadata: ["provider": "\(updated.definition.name)"])
        return try answer(updated)
    }

    private func delete(_ name: String, _ request: Request) async throws -> Response {
        let deleteKeys = try Self.flag(request.uri.queryParameters.get("delete_keys"), name: "delete_keys")
        let (deleted, keys) = try await administration.delete(name, deleteKeys: deleteKeys)
        logger.info("provider deleted", metadata: ["provider": "\(deleted)", "keys_deleted": "\(keys)"])
        return try JSONResponse.make(
            ProviderDeletedPayload(deleted: deleted.rawValue, keysDeleted: keys), keys: .asDeclared)
    }

    private func answer(_ listing: ProviderListing, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSONResponse.make(
            SingleProviderPayload(provider: ProviderPayload(listing)), status: status, keys: .asDeclared)
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
