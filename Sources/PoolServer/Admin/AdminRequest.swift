import Foundation
import Hummingbird
import PoolCore

/// Parameters every admin route reads the same way.
enum AdminRequest {
    /// `?provider=` or `body.provider`, default `ollama`; an unknown name is a 400.
    static func provider(query request: Request, body: JSONBody?) throws -> ProviderID {
        try providerIfGiven(query: request, body: body) ?? .ollama
    }

    static func providerIfGiven(query request: Request, body: JSONBody?) throws -> ProviderID? {
        guard let raw = try request.uri.queryParameters.get("provider") ?? body?.string("provider") else { return nil }
        return try parseProvider(raw)
    }

    static func parseProvider(_ raw: String) throws -> ProviderID {
        do {
            return try ProviderID.parse(raw)
        } catch {
            throw GatewayError.badRequest(error.description)
        }
    }

    static func integer(_ raw: String?, name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw GatewayError.badRequest("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound == Int.max ? "any" : String(range.upperBound))")
        }
        return value
    }

    /// Expiry from `ttl` (seconds from now; 0 or absent: never) or `expiresAt` (ISO 8601).
    static func expiry(_ body: JSONBody, now: Date) throws -> Date? {
        if let ttl = try body.number("ttl") {
            guard ttl >= 0, ttl.isFinite else { throw GatewayError.badRequest("field 'ttl' must be ≥ 0 seconds") }
            return ttl == 0 ? nil : now.addingTimeInterval(ttl)
        }
        if let text = try body.string("expiresAt") ?? body.string("expires_at") {
            guard let date = ISO8601DateFormatter().date(from: text) else {
                throw GatewayError.badRequest("field 'expiresAt' must be an ISO 8601 date")
            }
            return date
        }
        return nil
    }
}
