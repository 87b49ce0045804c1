import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://` (or `postgresql://`) `DATABASE_URL` taken apart: where the server is, who logs in, and how
/// TLS is used (`?sslmode=disable|prefer|require`, default `prefer`).
///
/// The password is kept only to log in: `description` (used in every log line and error) leaves it out.
public struct PostgresConnectionSettings: Sendable, CustomStringConvertible, CustomReflectable {
    /// How the connection uses TLS, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    var password: String?
    public var database: String
    public var tlsMode: TLSMode

    /// Reads a `postgres://user:password@host:port/database?sslmode=…` URL; user and password may be
    /// percent-encoded. The port defaults to 5432, the database to the user name (as libpq does).
    /// - Throws: `StoreError` that never contains the password.
    public init(url text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw StoreError("DATABASE_URL is not a valid postgres://USER:PASSWORD@HOST:PORT/DATABASE URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError("DATABASE_URL names no PostgreSQL host; use postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw StoreError("DATABASE_URL names an invalid port") }
        let user = components.percentEncodedUser?.removingPercentEncoding ?? ""
        username = user.isEmpty ? "postgres" : user
        password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.percentEncodedPath.removingPercentEncoding ?? ""
        let name = path.hasPrefix("/") ? String(path.dropFirst()) : path
        database = name.isEmpty ? username : name
        tlsMode = .prefer
        for item in components.queryItems ?? [] {
            switch item.name.lowercased() {
            case "sslmode":
                let value = (item.value ?? "").lowercased()
                guard let mode = TLSMode(rawValue: value) else {
                    throw StoreError(
                        "DATABASE_URL sslmode '\(value.prefix(20))' is not supported; use disable, prefer or require")
                }
                tlsMode = mode
            default:
                throw StoreError(
                    "DATABASE_URL parameter '\(item.name.prefix(30))' is not supported; only sslmode is")
            }
        }
    }

    /// The URL without its password, for logs, errors and `/health`.
    public var description: String {
        "postgres://\(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
            + (tlsMode == .prefer ? "" : "?sslmode=\(tlsMode.rawValue)")
    }

    /// `dump` and debuggers show the parts without the password.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["host": host, "port": port, "username": username, "database": database, "tlsMode": tlsMode])
    }

    /// postgres-nio's client configuration. `require` verifies nothing beyond what NIOSSL's client default does
    /// (certificate and host name), like libpq's `verify-full`; `prefer` falls back to plain text.
    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer:
            var lenient = TLSConfiguration.makeClientConfiguration()
            // As libpq's prefer: encrypt when the server offers it, without checking its certificate.
            lenient.certificateVerification = .none
            tls = .prefer(lenient)
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 8
        return configuration
    }

    /// The configuration of a connection of its own (the LISTEN connection), with the same TLS rules.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer:
            var lenient = TLSConfiguration.makeClientConfiguration()
            lenient.certificateVerification = .none
            tls = .prefer(try NIOSSLContext(configuration: lenient))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
