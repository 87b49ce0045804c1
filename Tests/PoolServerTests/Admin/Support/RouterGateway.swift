import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import PoolCore
import PoolStore

@testable import PoolServer

/// A gateway over an `InMemoryStore`, driven through Hummingbird's router transport: requests go straight to
/// the router (middleware included), with no socket and no database file. Its request methods mirror
/// `TestGateway`'s, so a test moves between the two transports by its `with…` call alone.
struct RouterGateway: Sendable {
    let gateway: Gateway
    let client: any TestClientProtocol
    let adminToken: String

    func request(
        _ method: HTTPMethod, _ path: String, token: String? = nil, headers: [String: String] = [:], body: String? = nil
    ) async throws -> TestGateway.Reply {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        for (name, value) in headers {
            guard let name = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: name, value: value))
        }
        if body != nil { fields[.contentType] = "application/json" }
        guard let verb = HTTPRequest.Method(method.rawValue) else { throw HTTPError(.badRequest) }
        let response = try await client.executeRequest(
            uri: path, method: verb, headers: fields, body: body.map { ByteBuffer(string: $0) }
        )
        return TestGateway.Reply(
            status: Int(response.status.code),
            headers: HTTPHeaders(response.headers.map { ($0.name.rawName, $0.value) }),
            body: String(buffer: response.body)
        )
    }

    /// An admin request with `json` (any `JSONSerialization` value) as its body.
    func admin(_ method: HTTPMethod, _ path: String, json: Any? = nil) async throws -> TestGateway.Reply {
        let body = try json.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        return try await request(method, path, token: adminToken, body: body)
    }

    /// Adds keys through the admin import and returns their ids in order.
    @discardableResult
    func addKeys(_ secrets: [String], provider: String = "ollama") async throws -> [String] {
        let reply = try await admin(.POST, "/admin/api-keys/import?provider=\(provider)", json: ["keys": secrets])
        guard reply.status == 200 else {
            throw HTTPError(.internalServerError, message: "import failed: \(reply.body)")
        }
        return secrets.compactMap { gateway.pool.resolveID($0) }
    }

    /// Creates a client token through the admin API and returns it.
    func createToken(name: String = "test") async throws -> String {
        let reply = try await admin(.POST, "/admin/tokens", json: ["name": name])
        guard reply.status == 201, let token = reply.json["token"] as? String else {
            throw HTTPError(.internalServerError, message: "token creation failed: \(reply.body)")
        }
        return token
    }
}

/// Runs `body` with a fresh `RouterGateway`; the application's services run around it, as in production.
func withRouterGateway(
    clock: any PoolClock = SystemClock(),
    _ configure: (inout GatewayConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (RouterGateway) async throws -> Void
) async throws {
    var configuration = GatewayConfiguration()
    configuration.adminToken = "test-admin-token-0123456789"
    configuration.logLevel = .critical
    configure(&configuration)
    var logger = Logger(label: "router-gateway")
    logger.logLevel = .critical
    let gateway = try await Gateway.load(
        from: InMemoryStore(), configuration: configuration, logger: logger, clock: clock, announceAdminToken: { _ in }
    )
    let adminToken = configuration.adminToken ?? ""
    try await buildApplication(gateway: gateway).test(.router) { client in
        try await body(RouterGateway(gateway: gateway, client: client, adminToken: adminToken))
    }
}
